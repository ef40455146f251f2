// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "errors.h"
#include "tsfn_teardown.h"
#include "unique_fd.h"

namespace vnetkit {

// One job for the namespace thread. `work` runs on that thread, inside `ns` when it is valid;
// `finish` runs on the Node main thread afterwards and builds the value the promise resolves to.
struct NsJob {
  UniqueFd ns;                                    // a dup owned by the job: the caller may close its fd meanwhile
  bool switches_ns = false;                       // work itself moves the thread (unshare), so home must be restored
  bool simulate_stuck = false;                    // tests only: behave as if setns(home) failed
  std::function<void(SysError&)> work;
  std::function<Napi::Value(Napi::Env)> finish;   // may be empty: resolves undefined
  SysError error;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
};

// Runs short jobs "inside network namespace X" on a dedicated native thread (never the main thread,
// never a libuv pool thread): setns(X), work, setns(home). An fd opened in between (netlink socket,
// /dev/net/tun, a socket) stays bound to X and is then used from any thread.
//
// If returning home fails, the thread is retired (it exits and is never reused, because anything
// it did later would happen in the wrong namespace) and the main thread starts a fresh one. Threads
// are only ever started from the main thread, since a thread created inside a foreign namespace would
// inherit it.
class NsRunner {
 public:
  explicit NsRunner(Napi::Env env);
  ~NsRunner();
  NsRunner(const NsRunner&) = delete;
  NsRunner& operator=(const NsRunner&) = delete;

  // Main thread only. `ns_fd` < 0 runs the job in the runner's home namespace.
  Napi::Promise Submit(Napi::Env env, int ns_fd, std::unique_ptr<NsJob> job);

  // Diagnostics for tests: how many runner threads were retired so far.
  uint32_t retired_count() const { return retired_count_; }

 private:
  void StartWorkerLocked();
  void StopThreads();
  void WorkerMain();
  void Deliver(NsJob* job);
  void ScheduleDelivery();
  void DeliverDone(Napi::Env env);
  void OnJobDone(Napi::Env env, NsJob* job);

  TsfnTeardown teardown_;
  Napi::ThreadSafeFunction tsfn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<NsJob>> queue_;
  bool worker_alive_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // the live worker and any retired ones, joined at shutdown
  uint32_t pending_ = 0;              // main thread only: jobs submitted and not yet finished
  uint32_t retired_count_ = 0;
  std::mutex done_mu_;               // guards done_ and delivery_scheduled_
  std::vector<NsJob*> done_;         // finished on the worker, not yet settled on the main thread
  bool delivery_scheduled_ = false;  // a thread-safe call is queued and will take done_
};

}  // namespace vnetkit
