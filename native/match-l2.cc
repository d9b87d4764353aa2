// knnMatch2L2(query, queryCount, train, trainCount, dims): for each query descriptor (dims floats), its two
// nearest train descriptors under L2 distance (cv::BFMatcher(NORM_L2), k = 2, OpenCV's tie order), the
// matcher for SIFT's float descriptors. Same result layout as knnMatch2 (match.cc): trainIdx and distance
// as arrays of 2 * queryCount, [best0, second0, best1, ...]; -1 / Infinity where a query has fewer than two
// neighbours.
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <string>

#include "knn.h"
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
    return knn2Result(env, query, train, cv::NORM_L2);
  });
}

}  // namespace emingest
