// Arguments that become OpenCV matrices without a copy (valid for the duration of the call), and the way
// back to JavaScript.
#pragma once
#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "napi-util.h"

namespace emingest {

// An 8-bit grayscale image given as (bytes, width, height); its length must be exactly width * height.
inline cv::Mat grayImage(napi_env env, napi_value data, napi_value w, napi_value h, const char* name) {
  Bytes b = getBytes(env, data, name);
  int32_t width = getInt(env, w, "width");
  int32_t height = getInt(env, h, "height");
  if (width <= 0 || height <= 0) throw ArgError("width and height must be positive");
  size_t want = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (b.length != want)
    throw ArgError(std::string(name) + " has " + std::to_string(b.length) + " bytes, expected width * height = " + std::to_string(want));
  return cv::Mat(height, width, CV_8UC1, b.data);
}

// A new Uint8Array with a matrix's bytes.
inline napi_value toBytes(napi_env env, const cv::Mat& m) {
  cv::Mat c = m.isContinuous() ? m : m.clone();
  return makeTyped(env, napi_uint8_array, c.total() * c.elemSize(), 1, c.data);
}

// The first n keypoints as an object of Float32Arrays x, y (the centre, in the image's own pixels) and
// response, and, with `shape`, size and angle: what both detectors return before their descriptors.
inline napi_value keypointArrays(napi_env env, const std::vector<cv::KeyPoint>& keypoints, size_t n, bool shape) {
  std::vector<float> xs(n), ys(n), response(n), size(shape ? n : 0), angle(shape ? n : 0);
  for (size_t i = 0; i < n; i++) {
    xs[i] = keypoints[i].pt.x;
    ys[i] = keypoints[i].pt.y;
    response[i] = keypoints[i].response;
    if (shape) {
      size[i] = keypoints[i].size;
      angle[i] = keypoints[i].angle;
    }
  }
  napi_value out;
  check(env, napi_create_object(env, &out), "napi_create_object");
  setProperty(env, out, "x", makeTyped(env, napi_float32_array, n, sizeof(float), xs.data()));
  setProperty(env, out, "y", makeTyped(env, napi_float32_array, n, sizeof(float), ys.data()));
  setProperty(env, out, "response", makeTyped(env, napi_float32_array, n, sizeof(float), response.data()));
  if (shape) {
    setProperty(env, out, "size", makeTyped(env, napi_float32_array, n, sizeof(float), size.data()));
    setProperty(env, out, "angle", makeTyped(env, napi_float32_array, n, sizeof(float), angle.data()));
  }
  return out;
}

}  // namespace emingest
