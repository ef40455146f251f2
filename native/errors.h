// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>
#include <string>

namespace vnetkit {

// A failed system call, captured on whichever thread ran it and turned into a JS Error later on
// the main thread (N-API values may only be created there).
struct SysError {
  int err = 0;              // positive errno; 0 means success
  std::string syscall;      // e.g. "setns", "socket"
  std::string detail;       // what the caller asked for, e.g. a path

  bool failed() const { return err != 0; }
  void set(int e, const char* call, std::string what = std::string()) {
    err = e;
    syscall = call;
    detail = std::move(what);
  }
};

// Builds an Error shaped like Node's own system errors: code ('EEXIST'), errno (negative, as
// Node reports it on Linux), syscall, and path/detail when known.
Napi::Error MakeSysError(Napi::Env env, const SysError& e);
Napi::Error MakeSysError(Napi::Env env, int err, const char* syscall, const std::string& detail = "");

}  // namespace vnetkit
