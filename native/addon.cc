// emingest's native addon: OpenCV 4.12 (built from source by scripts/native.sh, statically linked,
// single-threaded) behind Node-API, so one binary serves Node 20 and 22, and zstd frames (zstd.cc: zstd
// 1.5.7, static) and grayscale PNGs (png-decode.cc: libdeflate 1.26, static). Loaded by core/align/opencv.ts and core/zarr/zstd.ts.
#include <opencv2/core.hpp>

#include "napi-util.h"

namespace emingest {
napi_value Akaze(napi_env env, napi_callback_info info);
napi_value KnnMatch2(napi_env env, napi_callback_info info);
napi_value Sift(napi_env env, napi_callback_info info);
napi_value KnnMatch2L2(napi_env env, napi_callback_info info);
napi_value WarpAffine(napi_env env, napi_callback_info info);
napi_value Clahe(napi_env env, napi_callback_info info);
napi_value ZstdCompress(napi_env env, napi_callback_info info);
napi_value ZstdCompressChunk(napi_env env, napi_callback_info info);
napi_value ZstdDecompress(napi_env env, napi_callback_info info);
napi_value DecodePngGray(napi_env env, napi_callback_info info);
}

NAPI_MODULE_INIT() {
  // One task per worker thread: OpenCV must not start threads of its own (it is built without a parallel
  // backend; this also pins it if that ever changes).
  cv::setNumThreads(0);
  napi_property_descriptor props[] = {
      {"akaze", nullptr, emingest::Akaze, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"knnMatch2", nullptr, emingest::KnnMatch2, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sift", nullptr, emingest::Sift, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"knnMatch2L2", nullptr, emingest::KnnMatch2L2, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"warpAffine", nullptr, emingest::WarpAffine, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"clahe", nullptr, emingest::Clahe, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"zstdCompress", nullptr, emingest::ZstdCompress, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"zstdCompressChunk", nullptr, emingest::ZstdCompressChunk, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"zstdDecompress", nullptr, emingest::ZstdDecompress, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"decodePngGray", nullptr, emingest::DecodePngGray, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_value version;
  napi_create_string_utf8(env, CV_VERSION, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "opencvVersion", version);
  return exports;
}
