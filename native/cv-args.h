// Arguments that become OpenCV matrices without a copy (valid for the duration of the call), and the way
// back to JavaScript.
#pragma once
#include <opencv2/core.hpp>

#include <string>

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

}  // namespace emingest
