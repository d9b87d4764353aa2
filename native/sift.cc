// sift(gray, width, height): OpenCV's SIFT detectAndCompute on one 8-bit image with OpenCV's defaults
// (cv::SIFT::create(): all features, 3 octave layers, contrastThreshold 0.04, edgeThreshold 10, sigma 1.6,
// CV_32F descriptors), the same call as cv2.SIFT_create().detectAndCompute(img, None).
// Returns every keypoint in OpenCV's order with its centre (x, y, in the image's own pixels), response, size
// and angle, and the descriptors (128 floats per keypoint, row-major). OpenCV writes each float as a
// saturate_cast<uchar> (sift.simd.hpp, calcSIFTDescriptor), so every value is an integer 0..255;
// core/align/sift.ts relies on that to store them as bytes and checks it.
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <vector>

#include "cv-args.h"

namespace emingest {

napi_value Sift(napi_env env, napi_callback_info info) {
  return guard(env, "sift", [&]() -> napi_value {
    Args<3> a(env, info, "sift");
    cv::Mat image = grayImage(env, a.v[0], a.v[1], a.v[2], "gray");

    cv::Ptr<cv::SIFT> sift = cv::SIFT::create();
    std::vector<cv::KeyPoint> keypoints;
    cv::Mat descriptors;
    sift->detectAndCompute(image, cv::noArray(), keypoints, descriptors);

    size_t n = keypoints.size();
    if (descriptors.rows != static_cast<int>(n) || (n > 0 && descriptors.type() != CV_32F)) n = 0;
    size_t dims = n > 0 ? static_cast<size_t>(descriptors.cols) : 0;
    if (n > 0 && !descriptors.isContinuous()) descriptors = descriptors.clone();

    napi_value out = keypointArrays(env, keypoints, n, true);
    setProperty(env, out, "dims", makeNumber(env, static_cast<double>(dims)));
    setProperty(env, out, "descriptors",
                makeTyped(env, napi_float32_array, n * dims, sizeof(float), n > 0 ? descriptors.ptr<float>() : nullptr));
    return out;
  });
}

}  // namespace emingest
