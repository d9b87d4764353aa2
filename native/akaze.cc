// akaze(gray, width, height, threshold): OpenCV's AKAZE detectAndCompute on one 8-bit image, natively.
// Returns every keypoint in OpenCV's order with its centre (x, y, in the image's own pixels), response, and
// the MLDB descriptors (descriptorBytes per keypoint, row-major). Ranking and the full-resolution mapping
// stay in TypeScript (core/align/features.ts), exactly as with the OpenCV.js build this replaces.
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <vector>

#include "cv-args.h"

namespace emingest {

napi_value Akaze(napi_env env, napi_callback_info info) {
  return guard(env, "akaze", [&]() -> napi_value {
    Args<4> a(env, info, "akaze");
    cv::Mat image = grayImage(env, a.v[0], a.v[1], a.v[2], "gray");
    double threshold = getNumber(env, a.v[3], "threshold");
    if (!(threshold > 0)) throw ArgError("threshold must be > 0");

    cv::Ptr<cv::AKAZE> akaze = cv::AKAZE::create();
    akaze->setThreshold(threshold);
    std::vector<cv::KeyPoint> keypoints;
    cv::Mat descriptors;
    akaze->detectAndCompute(image, cv::noArray(), keypoints, descriptors);

    size_t n = keypoints.size();
    if (descriptors.rows != static_cast<int>(n)) n = 0;
    size_t bytes = n > 0 ? static_cast<size_t>(descriptors.cols) : 0;
    if (n > 0 && !descriptors.isContinuous()) descriptors = descriptors.clone();

    napi_value out = keypointArrays(env, keypoints, n, false);
    setProperty(env, out, "descriptorBytes", makeNumber(env, static_cast<double>(bytes)));
    setProperty(env, out, "descriptors", makeTyped(env, napi_uint8_array, n * bytes, 1, n > 0 ? descriptors.data : nullptr));
    return out;
  });
}

}  // namespace emingest
