// warpAffine(src, width, height, map, outWidth, outHeight): cv::warpAffine with the given inverse map (2x3,
// row-major), INTER_LINEAR | WARP_INVERSE_MAP, BORDER_CONSTANT 0. clahe(src, width, height, clipLimit,
// tilesX, tilesY): cv::createCLAHE(clipLimit, (tilesX, tilesY))->apply. Both return a new Uint8Array.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "cv-args.h"

namespace emingest {

napi_value WarpAffine(napi_env env, napi_callback_info info) {
  return guard(env, "warpAffine", [&]() -> napi_value {
    Args<6> a(env, info, "warpAffine");
    cv::Mat src = grayImage(env, a.v[0], a.v[1], a.v[2], "src");
    cv::Mat map(2, 3, CV_64FC1, getFloat64s(env, a.v[3], "map", 6));
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
    cv::Mat src = grayImage(env, a.v[0], a.v[1], a.v[2], "src");
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
