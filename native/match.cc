// knnMatch2(query, queryCount, train, trainCount, bytes): for each query descriptor, its two nearest train
// descriptors under Hamming distance (cv::BFMatcher(NORM_HAMMING), k = 2, OpenCV's tie order).
// Returns trainIdx and distance as arrays of 2 * queryCount (knn2Result, knn.h, shared with knnMatch2L2).
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <limits>
#include <vector>

#include "knn.h"
#include "napi-util.h"

namespace emingest {

static cv::Mat descriptorRows(napi_env env, napi_value v, int32_t rows, int32_t bytes, const char* name) {
  Bytes b = getBytes(env, v, name);
  if (rows < 0 || b.length < static_cast<size_t>(rows) * static_cast<size_t>(bytes))
    throw ArgError(std::string(name) + " is shorter than count * bytes");
  return cv::Mat(rows, bytes, CV_8UC1, b.data);
}

napi_value knn2Result(napi_env env, const cv::Mat& query, const cv::Mat& train, int norm) {
  const int nq = query.rows;
  std::vector<int32_t> trainIdx(2 * static_cast<size_t>(nq), -1);
  std::vector<float> distance(2 * static_cast<size_t>(nq), std::numeric_limits<float>::infinity());
  if (nq > 0 && train.rows > 0) {
    std::vector<std::vector<cv::DMatch>> knn;
    cv::BFMatcher(norm, false).knnMatch(query, train, knn, 2);
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
}

napi_value KnnMatch2(napi_env env, napi_callback_info info) {
  return guard(env, "knnMatch2", [&]() -> napi_value {
    Args<5> a(env, info, "knnMatch2");
    int32_t nq = getInt(env, a.v[1], "queryCount");
    int32_t nt = getInt(env, a.v[3], "trainCount");
    int32_t bytes = getInt(env, a.v[4], "bytes");
    if (bytes <= 0) throw ArgError("bytes must be positive");
    cv::Mat query = descriptorRows(env, a.v[0], nq, bytes, "query");
    cv::Mat train = descriptorRows(env, a.v[2], nt, bytes, "train");
    return knn2Result(env, query, train, cv::NORM_HAMMING);
  });
}

}  // namespace emingest
