// zstdCompress(src, level) and zstdDecompress(src): one zstd frame per call, for the zarr v3 `zstd` codec
// (zarr-specs codecs/zstd), through zstd 1.5.7 compiled from source and linked in statically
// (scripts/native.sh). ZSTD_compressCCtx is ZSTD_compress with a reused context: content size in the header,
// no checksum, the one-shot parameters for the input's size and level, so the frame is the one
// @bokuweb/zstd-wasm's ZSTD_compress and tensorstore make at that level (test/zarr/zstd-native.test.ts,
// test/zarr/interop.test.ts). One compression context per thread (Node worker threads are OS threads).
#include <zstd.h>

#include <cstring>
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

// zstdCompressChunk(block, sx, sy, sz, ox, oy, oz, bx, by, bz, cx, cy, cz, level): the frame of one inner
// chunk of cx*cy*cz voxels (x fastest) whose first bx*by*bz voxels, the box at (ox, oy, oz) of the block of
// sx*sy*sz voxels (x fastest), are copied from the block and the rest are the fill value 0; null when the
// chunk is all 0 (the sharding codec stores no such chunk). The same bytes as copying the chunk out in
// JavaScript and calling zstdCompress, without the copy through JavaScript (test/zarr/zstd-native.test.ts).
napi_value ZstdCompressChunk(napi_env env, napi_callback_info info) {
  return guard(env, "zstdCompressChunk", [&]() -> napi_value {
    Args<14> a(env, info, "zstdCompressChunk");
    Bytes src = getBytes(env, a.v[0], "block");
    int64_t v[12];
    const char* names[12] = {"sx", "sy", "sz", "ox", "oy", "oz", "bx", "by", "bz", "cx", "cy", "cz"};
    for (int i = 0; i < 12; i++) {
      v[i] = getInt(env, a.v[i + 1], names[i]);
      if (v[i] < 0) throw ArgError(std::string(names[i]) + " must be >= 0");
    }
    const int64_t sx = v[0], sy = v[1], sz = v[2], ox = v[3], oy = v[4], oz = v[5];
    const int64_t bx = v[6], by = v[7], bz = v[8], cx = v[9], cy = v[10], cz = v[11];
    int32_t level = getInt(env, a.v[13], "level");
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) throw ArgError("level must be a zstd level");
    if (static_cast<uint64_t>(sx * sy * sz) != src.length) throw ArgError("block must hold sx*sy*sz voxels");
    if (ox + bx > sx || oy + by > sy || oz + bz > sz) throw ArgError("the box must lie inside the block");
    if (bx > cx || by > cy || bz > cz) throw ArgError("the box must fit in the chunk");
    thread_local std::vector<uint8_t> chunk;
    chunk.assign(static_cast<size_t>(cx * cy * cz), 0);
    uint8_t any = 0;
    for (int64_t z = 0; z < bz; z++) {
      for (int64_t y = 0; y < by; y++) {
        const uint8_t* from = src.data + ox + sx * (oy + y + sy * (oz + z));
        uint8_t* to = chunk.data() + cx * (y + cy * z);
        std::memcpy(to, from, static_cast<size_t>(bx));
        for (int64_t x = 0; x < bx; x++) any |= from[x];
      }
    }
    napi_value result;
    if (!any) {
      check(env, napi_get_null(env, &result), "napi_get_null");
      return result;
    }
    ZSTD_CCtx* cctx = threadContext();
    thread_local std::vector<uint8_t> scratch;
    scratch.resize(ZSTD_compressBound(chunk.size()));
    size_t n = ZSTD_compressCCtx(cctx, scratch.data(), scratch.size(), chunk.data(), chunk.size(), level);
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
