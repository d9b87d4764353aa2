// zstdCompress(src, level) and zstdDecompress(src): one zstd frame per call, for the zarr v3 `zstd` codec
// (zarr-specs codecs/zstd), through zstd 1.5.7 compiled from source and linked in statically
// (scripts/native.sh). ZSTD_compressCCtx is ZSTD_compress with a reused context: content size in the header,
// no checksum, the one-shot parameters for the input's size and level, so the frame is the one
// @bokuweb/zstd-wasm's ZSTD_compress and tensorstore make at that level (test/zarr/zstd-native.test.ts,
// test/zarr/interop.test.ts). One compression context per thread (Node worker threads are OS threads).
#include <zstd.h>

#include <memory>
#include <string>
#include <vector>

#include "napi-util.h"

namespace emingest {
namespace {

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

ZSTD_CCtx* threadContext() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  if (!cctx) throw std::runtime_error("ZSTD_createCCtx failed");
  return cctx.get();
}

void checkZstd(size_t code, const char* what) {
  if (ZSTD_isError(code)) throw std::runtime_error(std::string(what) + ": " + ZSTD_getErrorName(code));
}

}  // namespace

napi_value ZstdCompress(napi_env env, napi_callback_info info) {
  return guard(env, "zstdCompress", [&]() -> napi_value {
    Args<2> a(env, info, "zstdCompress");
    Bytes src = getBytes(env, a.v[0], "src");
    int32_t level = getInt(env, a.v[1], "level");
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) throw ArgError("level must be a zstd level");
    ZSTD_CCtx* cctx = threadContext();
    thread_local std::vector<uint8_t> scratch;
    scratch.resize(ZSTD_compressBound(src.length));
    size_t n = ZSTD_compressCCtx(cctx, scratch.data(), scratch.size(), src.data, src.length, level);
    checkZstd(n, "ZSTD_compressCCtx");
    return makeTyped(env, napi_uint8_array, n, 1, scratch.data());
  });
}

napi_value ZstdDecompress(napi_env env, napi_callback_info info) {
  return guard(env, "zstdDecompress", [&]() -> napi_value {
    Args<1> a(env, info, "zstdDecompress");
    Bytes src = getBytes(env, a.v[0], "src");
    unsigned long long size = ZSTD_getFrameContentSize(src.data, src.length);
    if (size == ZSTD_CONTENTSIZE_ERROR) throw std::runtime_error("not a zstd frame");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) throw std::runtime_error("the frame does not give its content size");
    void* data = nullptr;
    napi_value buffer, array;
    check(env, napi_create_arraybuffer(env, size, &data, &buffer), "napi_create_arraybuffer");
    size_t n = ZSTD_decompress(data, size, src.data, src.length);
    checkZstd(n, "ZSTD_decompress");
    if (n != size) throw std::runtime_error("the frame holds fewer bytes than its header says");
    check(env, napi_create_typedarray(env, napi_uint8_array, n, buffer, 0, &array), "napi_create_typedarray");
    return array;
  });
}

}  // namespace emingest
