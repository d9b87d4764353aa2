// The two nearest train rows of every query row (cv::BFMatcher(norm), k = 2, OpenCV's tie order), as the
// addon returns them for both descriptor kinds: { trainIdx: Int32Array, distance: Float32Array } of
// 2 * query.rows, [best0, second0, best1, ...]; -1 / Infinity where a query has fewer than two neighbours.
#pragma once

#include <node_api.h>
#include <opencv2/core.hpp>

namespace emingest {

napi_value knn2Result(napi_env env, const cv::Mat& query, const cv::Mat& train, int norm);

}  // namespace emingest
