// warpAffine(src, width, height, map, outWidth, outHeight): cv::warpAffine with the given inverse map (2x3,
// row-major), INTER_LINEAR | WARP_INVERSE_MAP, BORDER_CONSTANT 0. clahe(src, width, height, clipLimit,
// tilesX, tilesY): cv::createCLAHE(clipLimit, (tilesX, tilesY))->apply. Both return a new Uint8Array.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "napi-util.h"

namespace emingest {

static cv::Mat grayImage(napi_env env, napi_value data, napi_value w, napi_value h) {
  Bytes b = getBytes(env, data, "src");
  int32_t width = getInt(env, w, "width");
  int32_t height = getInt(env, h, "height");
  if (width <= 0 || height <= 0) throw ArgError("width and height must be positive");
  if (b.length != static_cast<size_t>(width) * static_cast<size_t>(height))
    throw ArgError("src has " + std::to_string(b.length) + " bytes, expected width * height");
  return cv::Mat(height, width, CV_8UC1, b.data);
}

static napi_value toBytes(napi_env env, const cv::Mat& m) {
  cv::Mat c = m.isContinuous() ? m : m.clone();
  return makeTyped(env, napi_uint8_array, c.total(), 1, c.data);
}

napi_value WarpAffine(napi_env env, napi_callback_info info) {
  return guard(env, "warpAffine", [&]() -> napi_value {
    Args<6> a(env, info, "warpAffine");
    cv::Mat src = grayImage(env, a.v[0], a.v[1], a.v[2]);
    bool isArray = false;
    napi_is_typedarray(env, a.v[3], &isArray);
    if (!isArray) throw ArgError("map must be a Float64Array of 6");
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    check(env, napi_get_typedarray_info(env, a.v[3], &type, &length, &data, nullptr, nullptr), "map");
    if (type != napi_float64_array || length != 6) throw ArgError("map must be a Float64Array of 6");
    cv::Mat map(2, 3, CV_64FC1, data);
    int32_t outW = getInt(env, a.v[4], "outWidth");
    int32_t outH = getInt(env, a.v[5], "outHeight");
    if (outW <= 0 || outH <= 0) throw ArgError("outWidth and outHeight must be positive");
    cv::Mat dst;
    cv::warpAffine(src, dst, map, cv::Size(outW, outH), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(0));
    return toBytes(env, dst);
  });
}

napi_value Clahe(napi_env env, napi_callback_info info) {
  return guard(env, "clahe", [&]() -> napi_value {
    Args<6> a(env, info, "clahe");
    cv::Mat src = grayImage(env, a.v[0], a.v[1], a.v[2]);
    double clip = getNumber(env, a.v[3], "clipLimit");
    int32_t tx = getInt(env, a.v[4], "tilesX");
    int32_t ty = getInt(env, a.v[5], "tilesY");
    if (!(clip > 0)) throw ArgError("clipLimit must be > 0");
    if (tx <= 0 || ty <= 0) throw ArgError("tilesX and tilesY must be positive");
    cv::Mat dst;
    cv::createCLAHE(clip, cv::Size(tx, ty))->apply(src, dst);
    return toBytes(env, dst);
  });
}

}  // namespace emingest
