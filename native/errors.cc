// SPDX-License-Identifier: MIT
#include "errors.h"

#include <string.h>
#include <uv.h>

namespace vnetkit {

Napi::Error MakeSysError(Napi::Env env, int err, const char* syscall, const std::string& detail) {
  const char* code = uv_err_name(-err);
  std::string message = std::string(code) + ": " + strerror(err) + ", " + syscall;
  if (!detail.empty()) message += " '" + detail + "'";
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("code", Napi::String::New(env, code));
  obj.Set("errno", Napi::Number::New(env, -err));
  obj.Set("syscall", Napi::String::New(env, syscall));
  if (!detail.empty()) obj.Set("path", Napi::String::New(env, detail));
  return error;
}

Napi::Error MakeSysError(Napi::Env env, const SysError& e) {
  return MakeSysError(env, e.err, e.syscall.c_str(), e.detail);
}

}  // namespace vnetkit
