// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>
#include <sys/stat.h>

#include <string>

namespace vnetkit {

// Shared by the sysctl get/set jobs (sysctl.cc) and the listing (sysctl_list.cc).

// The outcome of one key: its value, or the failing call with errno and the entry's mode bits
// (when it exists), so TS can tell an unknown key from a read-only one.
struct Outcome {
  std::string value;
  bool has_value = false;
  int err = 0;
  const char* syscall = "";
  int mode = -1;
  void fail(int e, const char* call, const std::string& path) {
    err = e;
    syscall = call;
    struct stat st;
    if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  }
};

// A path under /proc/sys/net/ with no "." or ".." component, no NUL, no empty component.
bool SafePath(const std::string& p);
// Reads the whole file from offset 0.
bool ReadAll(int fd, std::string& out);
// The value, or { errno, syscall, mode } of a failure, for JS.
Napi::Value OutcomeValue(Napi::Env env, const Outcome& o);

// sysctlList(nsFd, path): see sysctl_list.cc.
Napi::Value SysctlList(const Napi::CallbackInfo& info);

}  // namespace vnetkit
