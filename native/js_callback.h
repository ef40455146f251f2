// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

namespace vnetkit {

// Runs the body of a thread-safe function's callback. Node calls it from libuv, where a C++
// exception that escapes is std::terminate: the whole process aborts. While a worker is being
// terminated every call into JS fails, napi_throw included, so the error is dropped then; otherwise
// it is rethrown into JS, where it becomes an uncaught exception like any other.
template <typename Body>
void RunJsCallback(Napi::Env env, Body&& body) noexcept {
  try {
    body();
  } catch (const Napi::Error& e) {
    try {
      napi_value value = e.Value();
      if (value != nullptr) napi_throw(env, value);  // its status is the one thing left to ignore
    } catch (...) {
    }
  } catch (...) {
  }
}

}  // namespace vnetkit
