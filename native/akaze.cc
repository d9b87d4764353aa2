// akaze(gray, width, height, threshold[, maxFeatures]): OpenCV's AKAZE on one 8-bit image, natively.
// Returns keypoints with their centre (x, y, in the image's own pixels), response, and the MLDB
// descriptors (descriptorBytes per keypoint, row-major). The full-resolution mapping stays in TypeScript
// (core/align/features.ts).
//
// Without maxFeatures (or 0): every keypoint in OpenCV's order, AKAZE::detectAndCompute exactly.
// With maxFeatures > 0: only the maxFeatures strongest, ranked as features.ts ranks (response descending,
// ties by OpenCV's index), with descriptors computed for those alone. This is AKAZE_Impl::detectAndCompute
// (modules/features2d/src/akaze.cpp, OpenCV 4.12.0) step by step on its internal class AKAZEFeatures
// (kaze/AKAZEFeatures.h, the private header of the very source tree scripts/native.sh builds): one scale
// space, detection (which also gives every keypoint its orientation), then Compute_Descriptors on the kept
// subset. Each descriptor depends only on its own keypoint and the scale space, so the kept ones are the
// bytes the full call gives them (test/align/akaze-subset.test.ts); the 30% of keypoints dropped by the
// ranking no longer cost a descriptor each (~40% of AKAZE's time is descriptors, BENCHMARKS.md).
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "kaze/AKAZEFeatures.h"
#include "cv-args.h"

namespace emingest {

napi_value Akaze(napi_env env, napi_callback_info info) {
  return guard(env, "akaze", [&]() -> napi_value {
    size_t argc = 5;
    napi_value argv[5];
    check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "napi_get_cb_info");
    if (argc < 4) throw ArgError("akaze: expected 4 or 5 arguments");
    cv::Mat image = grayImage(env, argv[0], argv[1], argv[2], "gray");
    double threshold = getNumber(env, argv[3], "threshold");
    if (!(threshold > 0)) throw ArgError("threshold must be > 0");
    napi_valuetype kind = napi_undefined;
    if (argc >= 5) napi_typeof(env, argv[4], &kind);
    const int32_t maxFeatures = kind == napi_undefined ? 0 : getInt(env, argv[4], "maxFeatures");
    if (maxFeatures < 0) throw ArgError("maxFeatures must be >= 0");

    cv::Ptr<cv::AKAZE> akaze = cv::AKAZE::create();
    akaze->setThreshold(threshold);
    std::vector<cv::KeyPoint> keypoints;
    cv::Mat descriptors;
    if (maxFeatures == 0) {
      akaze->detectAndCompute(image, cv::noArray(), keypoints, descriptors);
    } else {
      // The options AKAZE_Impl::detectAndCompute fills from the AKAZE object (its defaults, our threshold).
      cv::AKAZEOptions options;
      options.descriptor = akaze->getDescriptorType();
      options.descriptor_channels = akaze->getDescriptorChannels();
      options.descriptor_size = akaze->getDescriptorSize();
      options.img_width = image.cols;
      options.img_height = image.rows;
      options.dthreshold = static_cast<float>(akaze->getThreshold());
      options.omax = akaze->getNOctaves();
      options.nsublevels = akaze->getNOctaveLayers();
      options.diffusivity = akaze->getDiffusivity();
      cv::AKAZEFeatures impl(options);
      impl.Create_Nonlinear_Scale_Space(image);
      std::vector<cv::KeyPoint> all;
      impl.Feature_Detection(all);
      std::vector<size_t> order(all.size());
      std::iota(order.begin(), order.end(), size_t(0));
      // Strongest first, ties by index: features.ts's ranking over the responses as float32 (they are floats).
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return all[a].response > all[b].response; });
      const size_t keep = std::min(order.size(), static_cast<size_t>(maxFeatures));
      // Descriptors are computed in OpenCV's order (by scale level, then position: the scale space is read
      // in the order the full call reads it, which is much kinder to the cache than rank order), then their
      // rows are put in rank order.
      std::vector<size_t> kept(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep));
      std::sort(kept.begin(), kept.end());
      std::vector<cv::KeyPoint> byIndex;
      byIndex.reserve(keep);
      for (size_t i : kept) byIndex.push_back(all[i]);
      cv::Mat computed;
      if (!byIndex.empty()) impl.Compute_Descriptors(byIndex, computed);
      keypoints.reserve(keep);
      if (!computed.empty()) descriptors.create(static_cast<int>(keep), computed.cols, computed.type());
      for (size_t r = 0; r < keep; r++) {
        keypoints.push_back(all[order[r]]);
        const size_t row = static_cast<size_t>(std::lower_bound(kept.begin(), kept.end(), order[r]) - kept.begin());
        if (!computed.empty()) computed.row(static_cast<int>(row)).copyTo(descriptors.row(static_cast<int>(r)));
      }
    }

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
