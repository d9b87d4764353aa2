// knnMatch2L2(query, queryCount, train, trainCount, dims): for each query descriptor (dims floats), its two
// nearest train descriptors under L2 distance (cv::BFMatcher(NORM_L2), k = 2, OpenCV's tie order), the
// matcher for SIFT's float descriptors. Same result layout as knnMatch2 (match.cc): trainIdx and distance
// as arrays of 2 * queryCount, [best0, second0, best1, ...]; -1 / Infinity where a query has fewer than two
// neighbours.
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <limits>
#include <string>
#include <vector>

#include "napi-util.h"

namespace emingest {

static cv::Mat floatRows(napi_env env, napi_value v, int32_t rows, int32_t dims, const char* name) {
  const std::string want = std::string(name) + " must be a Float32Array";
  Typed t = getTyped(env, v, want);
  if (t.type != napi_float32_array) throw ArgError(want);
  if (rows < 0 || t.length < static_cast<size_t>(rows) * static_cast<size_t>(dims))
    throw ArgError(std::string(name) + " is shorter than count * dims");
  return cv::Mat(rows, dims, CV_32FC1, t.data);
}

napi_value KnnMatch2L2(napi_env env, napi_callback_info info) {
  return guard(env, "knnMatch2L2", [&]() -> napi_value {
    Args<5> a(env, info, "knnMatch2L2");
    int32_t nq = getInt(env, a.v[1], "queryCount");
    int32_t nt = getInt(env, a.v[3], "trainCount");
    int32_t dims = getInt(env, a.v[4], "dims");
    if (dims <= 0) throw ArgError("dims must be positive");
    cv::Mat query = floatRows(env, a.v[0], nq, dims, "query");
    cv::Mat train = floatRows(env, a.v[2], nt, dims, "train");

    std::vector<int32_t> trainIdx(2 * static_cast<size_t>(nq), -1);
    std::vector<float> distance(2 * static_cast<size_t>(nq), std::numeric_limits<float>::infinity());
    if (nq > 0 && nt > 0) {
      std::vector<std::vector<cv::DMatch>> knn;
      cv::BFMatcher(cv::NORM_L2, false).knnMatch(query, train, knn, 2);
      for (const auto& pair : knn) {
        for (size_t k = 0; k < pair.size() && k < 2; k++) {
          size_t at = 2 * static_cast<size_t>(pair[k].queryIdx) + k;
          trainIdx[at] = pair[k].trainIdx;
          distance[at] = pair[k].distance;
        }
      }
    }
    napi_value out;
    check(env, napi_create_object(env, &out), "napi_create_object");
    setProperty(env, out, "trainIdx", makeTyped(env, napi_int32_array, trainIdx.size(), sizeof(int32_t), trainIdx.data()));
    setProperty(env, out, "distance", makeTyped(env, napi_float32_array, distance.size(), sizeof(float), distance.data()));
    return out;
  });
}

}  // namespace emingest
