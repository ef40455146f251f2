// SPDX-License-Identifier: MIT
// Arming and counting of injected faults (see fault.h), and the functions tests call.
#include "fault.h"

#include <errno.h>
#include <napi.h>
#include <stdlib.h>
#include <string.h>

#include <mutex>
#include <string>
#include <vector>

#include "addon.h"

namespace vnetkit {

std::atomic<bool> g_fault_armed{false};

namespace {

constexpr const char* kSiteNames[] = {"socket", "bind",  "setns", "unshare", "sendmsg", "recvmsg",
                                      "open",   "ioctl", "mount", "epoll",   "eventfd", "dup"};
static_assert(sizeof kSiteNames / sizeof kSiteNames[0] == static_cast<size_t>(Fault::kCount));

struct Rule {
  int site;
  uint64_t from;   // first invocation (1-based, counted since the seam was armed) that fails
  uint64_t until;  // one past the last
  int err;
};

// Process-wide: every thread of every environment makes its system calls through the same seam.
std::mutex g_mu;
std::vector<Rule> g_rules;
uint64_t g_calls[static_cast<int>(Fault::kCount)] = {};

int SiteIndex(Napi::Env env, const std::string& name) {
  for (int i = 0; i < static_cast<int>(Fault::kCount); i++) {
    if (name == kSiteNames[i]) return i;
  }
  throw Napi::TypeError::New(env, "unknown fault site \"" + name + "\"");
}

// faultArm(site, nth, errno, times = 1): invocations nth .. nth+times-1 of `site` fail with errno.
// The first arming since a reset starts every site's count at zero.
Napi::Value FaultArm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* enabled = getenv("VNETKIT_FAULT_INJECTION");
  if (enabled == nullptr || strcmp(enabled, "1") != 0) {
    throw Napi::Error::New(env, "fault injection is for tests: set VNETKIT_FAULT_INJECTION=1");
  }
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "faultArm(site: string, nth: number, errno: number, times?: number)");
  }
  int site = SiteIndex(env, info[0].As<Napi::String>().Utf8Value());
  int64_t nth = info[1].As<Napi::Number>().Int64Value();
  int err = info[2].As<Napi::Number>().Int32Value();
  int64_t times = info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : 1;
  if (nth < 1 || times < 1 || err <= 0) throw Napi::RangeError::New(env, "faultArm: nth >= 1, times >= 1, errno > 0");
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_fault_armed.load()) memset(g_calls, 0, sizeof g_calls);
  g_rules.push_back(Rule{site, static_cast<uint64_t>(nth), static_cast<uint64_t>(nth + times), err});
  g_fault_armed.store(true);
  return env.Undefined();
}

// faultReset(): disarms every rule. Returns the invocations of each site counted while armed.
Napi::Value FaultReset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object calls = Napi::Object::New(env);
  std::lock_guard<std::mutex> lock(g_mu);
  g_fault_armed.store(false);
  g_rules.clear();
  for (int i = 0; i < static_cast<int>(Fault::kCount); i++) calls.Set(kSiteNames[i], Napi::Number::New(env, static_cast<double>(g_calls[i])));
  memset(g_calls, 0, sizeof g_calls);
  return calls;
}

}  // namespace

bool InjectFaultSlow(Fault site) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_fault_armed.load(std::memory_order_relaxed)) return false;
  int s = static_cast<int>(site);
  uint64_t n = ++g_calls[s];
  for (const Rule& r : g_rules) {
    if (r.site == s && n >= r.from && n < r.until) {
      errno = r.err;
      return true;
    }
  }
  return false;
}

void RegisterFaultOps(Napi::Env env, Napi::Object exports) {
  exports.Set("faultArm", Napi::Function::New(env, FaultArm));
  exports.Set("faultReset", Napi::Function::New(env, FaultReset));
}

}  // namespace vnetkit
