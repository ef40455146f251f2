// SPDX-License-Identifier: MIT
#pragma once
#include <atomic>

namespace vnetkit {

// The fault-injection seam: tests make a chosen system call fail with a chosen errno on its Nth
// invocation, to exercise the error and rollback paths that a healthy kernel never takes. Compiled
// in, but it can only be armed when VNETKIT_FAULT_INJECTION=1 is in the environment (test/run.js).
enum class Fault : int {
  kSocket, kBind, kSetns, kUnshare, kSendmsg, kRecvmsg, kOpen, kIoctl, kMount, kEpoll, kEventfd, kDup,
  kCount
};

extern std::atomic<bool> g_fault_armed;
bool InjectFaultSlow(Fault site);

// True, with errno set, when a test armed a failure for this invocation; a relaxed load otherwise.
inline bool Injected(Fault site) {
  return g_fault_armed.load(std::memory_order_relaxed) && InjectFaultSlow(site);
}

}  // namespace vnetkit
