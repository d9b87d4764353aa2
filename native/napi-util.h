// Small helpers over Node-API's C interface (node_api.h) for the functions in this folder: read arguments,
// make typed arrays, and turn C++ exceptions (cv::Exception included) into JavaScript errors.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace emingest {

// Thrown by the helpers when an argument is wrong; `guard` turns it into a TypeError.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  std::string msg = std::string(what) + ": " + (info && info->error_message ? info->error_message : "napi error");
  throw std::runtime_error(msg);
}

// The `n` arguments of a call; too few is an ArgError.
template <size_t N>
struct Args {
  napi_value v[N];
  Args(napi_env env, napi_callback_info info, const char* fn) {
    size_t argc = N;
    check(env, napi_get_cb_info(env, info, &argc, v, nullptr, nullptr), "napi_get_cb_info");
    if (argc < N) throw ArgError(std::string(fn) + ": expected " + std::to_string(N) + " arguments");
  }
};

inline double getNumber(napi_env env, napi_value v, const char* name) {
  double out = 0;
  if (napi_get_value_double(env, v, &out) != napi_ok) throw ArgError(std::string(name) + " must be a number");
  return out;
}

inline int32_t getInt(napi_env env, napi_value v, const char* name) {
  double d = getNumber(env, v, name);
  if (d != static_cast<double>(static_cast<int32_t>(d))) throw ArgError(std::string(name) + " must be an integer");
  return static_cast<int32_t>(d);
}

// The bytes of a Uint8Array argument (no copy; valid for the duration of the call).
struct Bytes {
  uint8_t* data;
  size_t length;
};

// A typed array argument: its element type, element count and data (no copy), or an ArgError saying `want`.
struct Typed {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

inline Typed getTyped(napi_env env, napi_value v, const std::string& want) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) throw ArgError(want);
  Typed t{};
  check(env, napi_get_typedarray_info(env, v, &t.type, &t.length, &t.data, nullptr, nullptr), "napi_get_typedarray_info");
  return t;
}

inline Bytes getBytes(napi_env env, napi_value v, const char* name) {
  const std::string want = std::string(name) + " must be a Uint8Array";
  Typed t = getTyped(env, v, want);
  if (t.type != napi_uint8_array && t.type != napi_uint8_clamped_array) throw ArgError(want);
  return {static_cast<uint8_t*>(t.data), t.length};
}

// A Float64Array of exactly `count` numbers.
inline double* getFloat64s(napi_env env, napi_value v, const char* name, size_t count) {
  const std::string want = std::string(name) + " must be a Float64Array of " + std::to_string(count);
  Typed t = getTyped(env, v, want);
  if (t.type != napi_float64_array || t.length != count) throw ArgError(want);
  return static_cast<double*>(t.data);
}

// A new typed array of `count` elements of T, filled from `src` (count * sizeof(T) bytes).
inline napi_value makeTyped(napi_env env, napi_typedarray_type type, size_t count, size_t elemBytes, const void* src) {
  void* data = nullptr;
  napi_value buffer, array;
  check(env, napi_create_arraybuffer(env, count * elemBytes, &data, &buffer), "napi_create_arraybuffer");
  if (count > 0) std::memcpy(data, src, count * elemBytes);
  check(env, napi_create_typedarray(env, type, count, buffer, 0, &array), "napi_create_typedarray");
  return array;
}

inline void setProperty(napi_env env, napi_value obj, const char* key, napi_value value) {
  check(env, napi_set_named_property(env, obj, key, value), key);
}

inline napi_value makeNumber(napi_env env, double d) {
  napi_value out;
  check(env, napi_create_double(env, d, &out), "napi_create_double");
  return out;
}

// Runs `body`; a C++ exception becomes a pending JavaScript exception (TypeError for argument errors).
template <typename F>
napi_value guard(napi_env env, const char* fn, F body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, (std::string(fn) + ": " + e.what()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string(fn) + ": " + e.what()).c_str());
  }
  return nullptr;
}

}  // namespace emingest
