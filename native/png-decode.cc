// decodePngGray(bytes, maxPixels): the common case of a slice PNG, decoded without libvips: 8- or 16-bit
// grayscale (colour type 0), non-interlaced, with no chunk that could change the pixels sharp returns.
// The zlib stream (all IDATs joined, PNG 1.2 section 10) is inflated in one call by libdeflate 1.26
// (scripts/native.sh builds it from source), which checks the Adler-32; every chunk's CRC is checked too.
//
// Returns one of:
//   {width, height, depth, data}  data: Uint8Array (depth 8) or Uint16Array in host order (depth 16),
//                                 width * height samples, exactly the pixels sharp decodes
//                                 (test/image/png-decode.test.ts checks that over a corpus);
//   {error}                       a defect of the file, one line, refused (never guessed around);
//   null                          not the common case (other colour types, interlace, PLTE, tRNS, gAMA,
//                                 iCCP, sBIT, unknown chunks, bytes after IEND, ...): the caller decodes it
//                                 with sharp as before.
// The verdicts on defects are sharp's at failOn "truncated" or stricter (core/image/decode.ts says which).
#include <libdeflate.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "napi-util.h"

namespace emingest {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the 16-bit path writes little-endian samples");

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

bool isType(const uint8_t* t, const char* name) { return std::memcmp(t, name, 4) == 0; }

// Ancillary chunks that carry no pixel meaning for a grayscale image as sharp decodes it (text, time,
// physical pixel size). Any other chunk sends the file to sharp.
bool isInert(const uint8_t* t) {
  return isType(t, "tEXt") || isType(t, "zTXt") || isType(t, "iTXt") || isType(t, "tIME") || isType(t, "pHYs");
}

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

libdeflate_decompressor* threadDecompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  if (!d) throw std::runtime_error("libdeflate_alloc_decompressor failed");
  return d.get();
}

// The outcome of the parse: `error` set = refused; `common` false = not ours.
struct Parsed {
  std::string error;
  bool common = false;
  uint32_t width = 0, height = 0;
  int depth = 0;
  std::vector<std::pair<const uint8_t*, size_t>> idats;
  size_t idatBytes = 0;
};

Parsed parse(const uint8_t* b, size_t n) {
  Parsed p;
  if (n < 8 || std::memcmp(b, kSignature, 8) != 0) return p;
  size_t at = 8;
  bool sawIhdr = false, sawIend = false, idatDone = false;
  while (at < n) {
    if (n - at < 12) {
      p.error = "truncated PNG: a chunk header at byte " + std::to_string(at) + " runs past the end of the file";
      return p;
    }
    const uint32_t len = be32(b + at);
    const uint8_t* type = b + at + 4;
    if (len > 0x7fffffffu) {
      p.error = "corrupt PNG: chunk length " + std::to_string(len) + " at byte " + std::to_string(at) + " is over 2^31-1";
      return p;
    }
    if (uint64_t(len) + 12 > n - at) {
      p.error = "truncated PNG: the " + std::string(reinterpret_cast<const char*>(type), 4) + " chunk at byte " + std::to_string(at) + " runs past the end of the file";
      return p;
    }
    const uint8_t* data = b + at + 8;
    const std::string name(reinterpret_cast<const char*>(type), 4);
    if (uint32_t(libdeflate_crc32(0, type, len + 4)) != be32(data + len)) {
      p.error = "corrupt PNG: CRC mismatch in the " + name + " chunk at byte " + std::to_string(at);
      return p;
    }
    if (!sawIhdr) {
      if (!isType(type, "IHDR")) return p;  // not a valid PNG start: sharp says what it makes of it
      if (len != 13) return p;
      p.width = be32(data);
      p.height = be32(data + 4);
      const uint8_t bitDepth = data[8], colour = data[9], compression = data[10], filter = data[11], interlace = data[12];
      if (p.width == 0 || p.height == 0 || p.width > 0x7fffffffu || p.height > 0x7fffffffu) return p;
      if ((bitDepth != 8 && bitDepth != 16) || colour != 0 || compression != 0 || filter != 0 || interlace != 0) return p;
      p.depth = bitDepth;
      sawIhdr = true;
    } else if (isType(type, "IDAT")) {
      if (idatDone) return p;  // IDATs must be consecutive (PNG 1.2 section 5.6): leave the oddity to sharp
      if (len > 0) p.idats.emplace_back(data, len);
      p.idatBytes += len;
    } else if (isType(type, "IEND")) {
      if (len != 0) return p;
      sawIend = true;
      at += 12;
      break;
    } else if (isInert(type)) {
      if (!p.idats.empty() || p.idatBytes > 0) idatDone = true;
    } else {
      return p;  // IHDR twice, PLTE, tRNS, gAMA, iCCP, sBIT, unknown chunks: sharp decides
    }
    at += 12 + len;
  }
  if (!sawIhdr) return p;
  if (!sawIend) {
    p.error = "truncated PNG: no IEND chunk";
    return p;
  }
  if (at != n) return p;  // bytes after IEND: sharp decides (test/hostile/input-decoding.test.ts)
  if (p.idatBytes == 0) {
    p.error = "corrupt PNG: no image data (the IDAT chunks are missing or empty)";
    return p;
  }
  p.common = true;
  return p;
}

int paeth(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Reverses the per-row filters (PNG 1.2 section 9) of `rows` rows of 1 + stride bytes into `out`
// (rows * stride bytes); bpp = bytes per pixel. An unknown filter type is refused.
std::string unfilter(const uint8_t* in, uint8_t* out, size_t rows, size_t stride, size_t bpp) {
  for (size_t r = 0; r < rows; r++) {
    const uint8_t type = in[r * (stride + 1)];
    const uint8_t* src = in + r * (stride + 1) + 1;
    uint8_t* dst = out + r * stride;
    const uint8_t* up = r > 0 ? dst - stride : nullptr;
    switch (type) {
      case 0:
        std::memcpy(dst, src, stride);
        break;
      case 1:
        for (size_t i = 0; i < stride; i++) dst[i] = uint8_t(src[i] + (i >= bpp ? dst[i - bpp] : 0));
        break;
      case 2:
        if (up) {
          for (size_t i = 0; i < stride; i++) dst[i] = uint8_t(src[i] + up[i]);
        } else {
          std::memcpy(dst, src, stride);
        }
        break;
      case 3:
        for (size_t i = 0; i < stride; i++) {
          const int a = i >= bpp ? dst[i - bpp] : 0, b = up ? up[i] : 0;
          dst[i] = uint8_t(src[i] + ((a + b) >> 1));
        }
        break;
      case 4:
        for (size_t i = 0; i < stride; i++) {
          const int a = i >= bpp ? dst[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
          dst[i] = uint8_t(src[i] + paeth(a, b, c));
        }
        break;
      default:
        return "corrupt PNG: row " + std::to_string(r) + " has filter type " + std::to_string(type) + " (0 to 4 are defined)";
    }
  }
  return "";
}

napi_value errorResult(napi_env env, const std::string& message) {
  napi_value obj, msg;
  check(env, napi_create_object(env, &obj), "napi_create_object");
  check(env, napi_create_string_utf8(env, message.c_str(), message.size(), &msg), "napi_create_string_utf8");
  setProperty(env, obj, "error", msg);
  return obj;
}

}  // namespace

napi_value DecodePngGray(napi_env env, napi_callback_info info) {
  return guard(env, "decodePngGray", [&]() -> napi_value {
    Args<2> a(env, info, "decodePngGray");
    Bytes src = getBytes(env, a.v[0], "bytes");
    const double maxPixels = getNumber(env, a.v[1], "maxPixels");
    Parsed p = parse(src.data, src.length);
    if (!p.error.empty()) return errorResult(env, p.error);
    napi_value null;
    check(env, napi_get_null(env, &null), "napi_get_null");
    // Over the pixel limit, or a size this decoder does not hold in memory: sharp gives its verdict.
    if (!p.common || double(p.width) * double(p.height) > maxPixels) return null;
    const size_t bpp = size_t(p.depth / 8);
    const size_t stride = size_t(p.width) * bpp;
    const size_t filtered = size_t(p.height) * (stride + 1);

    thread_local std::vector<uint8_t> joined;
    const uint8_t* stream = p.idats[0].first;
    size_t streamBytes = p.idats[0].second;
    if (p.idats.size() > 1) {
      joined.resize(p.idatBytes);
      size_t off = 0;
      for (const auto& [d, len] : p.idats) {
        std::memcpy(joined.data() + off, d, len);
        off += len;
      }
      stream = joined.data();
      streamBytes = p.idatBytes;
    }
    thread_local std::vector<uint8_t> raw;
    raw.resize(filtered);
    size_t inUsed = 0, outUsed = 0;
    const libdeflate_result r = libdeflate_zlib_decompress_ex(threadDecompressor(), stream, streamBytes, raw.data(), filtered, &inUsed, &outUsed);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) return errorResult(env, "corrupt PNG: the image data inflates to more than the " + std::to_string(filtered) + " bytes its IHDR size needs");
    if (r == LIBDEFLATE_SHORT_OUTPUT) return errorResult(env, "truncated PNG: the image data inflates to " + std::to_string(outUsed) + " of the " + std::to_string(filtered) + " bytes its IHDR size needs");
    if (r != LIBDEFLATE_SUCCESS) return errorResult(env, "corrupt PNG: the image data is not a valid zlib stream (bad deflate data or Adler-32 checksum, or cut short)");
    if (outUsed != filtered) return errorResult(env, "truncated PNG: the image data inflates to " + std::to_string(outUsed) + " of the " + std::to_string(filtered) + " bytes its IHDR size needs");
    if (inUsed != streamBytes) return errorResult(env, "corrupt PNG: " + std::to_string(streamBytes - inUsed) + " bytes after the end of the zlib stream in IDAT");

    const size_t samples = size_t(p.width) * size_t(p.height);
    void* data = nullptr;
    napi_value buffer, array;
    check(env, napi_create_arraybuffer(env, samples * bpp, &data, &buffer), "napi_create_arraybuffer");
    uint8_t* out = static_cast<uint8_t*>(data);
    const std::string bad = unfilter(raw.data(), out, p.height, stride, bpp);
    if (!bad.empty()) return errorResult(env, bad);
    if (bpp == 2) {
      // PNG samples are big-endian (PNG 1.2 section 2.1); typed arrays are in host order (little-endian here).
      uint16_t* s = static_cast<uint16_t*>(data);
      for (size_t i = 0; i < samples; i++) s[i] = uint16_t((out[2 * i] << 8) | out[2 * i + 1]);
    }
    check(env, napi_create_typedarray(env, bpp == 2 ? napi_uint16_array : napi_uint8_array, samples, buffer, 0, &array), "napi_create_typedarray");
    // Big scratch buffers are not kept between calls beyond one slice's worth.
    if (joined.capacity() > (size_t(64) << 20)) std::vector<uint8_t>().swap(joined);
    if (raw.capacity() > (size_t(64) << 20)) std::vector<uint8_t>().swap(raw);
    napi_value obj;
    check(env, napi_create_object(env, &obj), "napi_create_object");
    setProperty(env, obj, "width", makeNumber(env, p.width));
    setProperty(env, obj, "height", makeNumber(env, p.height));
    setProperty(env, obj, "depth", makeNumber(env, p.depth));
    setProperty(env, obj, "data", array);
    return obj;
  });
}

}  // namespace emingest
