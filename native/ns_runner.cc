// SPDX-License-Identifier: MIT
#include "ns_runner.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>

#include <algorithm>
#include <exception>

#include "js_callback.h"

namespace vnetkit {

NsRunner::NsRunner(Napi::Env env) {
  // Submit refs the function while jobs are pending.
  tsfn_ = teardown_.Create(env, "vnetkit-ns-runner", [this] { StopThreads(); });
}

NsRunner::~NsRunner() {
  StopThreads();
  for (NsJob* job : done_) delete job;  // finished, but the environment is gone: nobody to settle them
  teardown_.Retire(tsfn_);
}

void NsRunner::StopThreads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Napi::Promise NsRunner::Submit(Napi::Env env, int ns_fd, std::unique_ptr<NsJob> job) {
  job->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise promise = job->deferred->Promise();
  if (ns_fd >= 0) {
    // Duplicate now, on the caller's thread: the job must keep the namespace it was asked for even
    // if JS closes its handle (and the fd number is reused) before the job runs.
    int dup_fd = Injected(Fault::kDup) ? -1 : fcntl(ns_fd, F_DUPFD_CLOEXEC, 3);
    if (dup_fd < 0) {
      job->deferred->Reject(MakeSysError(env, errno, "fcntl", "namespace fd").Value());
      return promise;
    }
    job->ns.reset(dup_fd);
  }
  if (pending_++ == 0) tsfn_.Ref(env);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
    if (!worker_alive_) StartWorkerLocked();
  }
  cv_.notify_one();
  return promise;
}

void NsRunner::StartWorkerLocked() {
  worker_alive_ = true;
  threads_.emplace_back([this] { WorkerMain(); });
}

void NsRunner::WorkerMain() {
  UniqueFd home;
  for (;;) {
    std::unique_ptr<NsJob> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    bool needs_home = job->ns.valid() || job->switches_ns;
    if (needs_home && !home.valid()) {
      // Opened by the first job that needs it, and tried again by the next one after a failure
      // (EMFILE passes): the thread cannot have left home without it. /proc/thread-self names this
      // thread; /proc/self would name the main thread's namespace.
      home.reset(Injected(Fault::kOpen) ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
      if (!home.valid()) {
        job->error.set(errno, "open", "/proc/thread-self/ns/net");
        Deliver(job.release());
        continue;
      }
    }
    bool entered = false;
    if (job->ns.valid()) {
      if (Injected(Fault::kSetns) || setns(job->ns.get(), CLONE_NEWNET) != 0) {
        job->error.set(errno, "setns", "target network namespace");
      } else {
        entered = true;
      }
    }
    if (!job->error.failed()) job->work(job->error);
    job->ns.reset();
    bool retire = false;
    if ((entered || job->switches_ns) && (job->simulate_stuck || Injected(Fault::kSetns) || setns(home.get(), CLONE_NEWNET) != 0)) {
      retire = true;
    }
    if (retire) {
      std::lock_guard<std::mutex> lock(mu_);
      worker_alive_ = false;
      retired_count_++;
    }
    Deliver(job.release());
    if (retire) return;  // this thread's namespace is foreign now: it must never run another job
  }
}

// Finished jobs go back to the main thread in batches: one thread-safe call (one callback scope
// and microtask checkpoint on the main thread) per batch rather than per job. A delivery settles
// at most kJobsPerDelivery jobs, so their continuations run in groups of that size; Node runs the
// calls queued meanwhile one after another in the same turn of the loop, as it did per job.
constexpr size_t kJobsPerDelivery = 16;

void NsRunner::Deliver(NsJob* job) {
  bool schedule;
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    done_.push_back(job);
    schedule = !delivery_scheduled_;
    delivery_scheduled_ = true;
  }
  if (schedule) ScheduleDelivery();
}

void NsRunner::ScheduleDelivery() {
  napi_status status = tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function) { RunJsCallback(env, [&] { DeliverDone(env); }); });
  if (status != napi_ok) {
    // Environment shutting down: nobody is left to resolve them.
    std::lock_guard<std::mutex> lock(done_mu_);
    for (NsJob* job : done_) delete job;
    done_.clear();
  }
}

void NsRunner::DeliverDone(Napi::Env env) {
  std::vector<NsJob*> batch;
  bool more;
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    size_t n = std::min(done_.size(), kJobsPerDelivery);
    batch.assign(done_.begin(), done_.begin() + n);
    done_.erase(done_.begin(), done_.begin() + n);
    more = !done_.empty();
    delivery_scheduled_ = more;
  }
  // Scheduled before settling: should settling throw, the rest are still delivered.
  if (more) ScheduleDelivery();
  // Every job of the batch is settled (or freed) even if one throws, as all do while a worker is
  // being terminated; the first error is rethrown afterwards.
  std::exception_ptr first_error;
  for (NsJob* job : batch) {
    try {
      OnJobDone(env, job);
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

void NsRunner::OnJobDone(Napi::Env env, NsJob* raw) {
  std::unique_ptr<NsJob> job(raw);
  // Bookkeeping first: settling calls into JS, which throws while a worker is being terminated.
  if (--pending_ == 0) tsfn_.Unref(env);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A retired worker leaves queued jobs behind; start its replacement from this (home) thread.
    if (!worker_alive_ && !queue_.empty() && !stopping_) StartWorkerLocked();
  }
  Napi::HandleScope scope(env);
  if (job->error.failed()) {
    job->deferred->Reject(MakeSysError(env, job->error).Value());
  } else {
    try {
      job->deferred->Resolve(job->finish ? job->finish(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      job->deferred->Reject(e.Value());
    }
  }
}

}  // namespace vnetkit
