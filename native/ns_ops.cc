// SPDX-License-Identifier: MIT
// Namespace lifecycle jobs. Each runs on the NsRunner thread, never on the main thread or a libuv
// pool thread, because setns/unshare change only the calling thread's namespace.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include "addon.h"
#include "errors.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {

// Test hook: moves the runner thread into a fresh namespace and reports that it cannot return, so
// tests can check that such a thread is retired and a new one takes over. Resolves with the inode
// of the namespace the stuck thread was left in.
Napi::Value DebugStrandRunner(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto inode = std::make_shared<uint64_t>(0);
  auto job = std::make_unique<NsJob>();
  job->switches_ns = true;
  job->simulate_stuck = true;
  job->work = [inode](SysError& err) {
    if (unshare(CLONE_NEWNET) != 0) return err.set(errno, "unshare", "CLONE_NEWNET");
    struct stat st;
    if (stat("/proc/thread-self/ns/net", &st) == 0) *inode = st.st_ino;
  };
  job->finish = [inode](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, double(*inode)); };
  return Runner(env).Submit(env, -1, std::move(job));
}

// Resolves with the inode of the namespace the runner thread is in between jobs (its home).
Napi::Value RunnerNetnsInode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto inode = std::make_shared<uint64_t>(0);
  auto job = std::make_unique<NsJob>();
  job->work = [inode](SysError& err) {
    struct stat st;
    if (stat("/proc/thread-self/ns/net", &st) != 0) return err.set(errno, "stat", "/proc/thread-self/ns/net");
    *inode = st.st_ino;
  };
  job->finish = [inode](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, double(*inode)); };
  return Runner(env).Submit(env, -1, std::move(job));
}

// Creates a new, anonymous network namespace and resolves with an fd for it. The runner thread
// unshares into it, opens its own /proc/thread-self/ns/net, and returns home; the fd keeps the
// namespace alive.
Napi::Value CreateNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fd = std::make_shared<UniqueFd>();
  auto job = std::make_unique<NsJob>();
  job->switches_ns = true;
  job->work = [fd](SysError& err) {
    if (unshare(CLONE_NEWNET) != 0) return err.set(errno, "unshare", "CLONE_NEWNET");
    fd->reset(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd->valid()) err.set(errno, "open", "/proc/thread-self/ns/net");
  };
  job->finish = [fd](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, fd->release()); };
  return Runner(env).Submit(env, -1, std::move(job));
}

}  // namespace

void RegisterNamespaceOps(Napi::Env env, Napi::Object exports) {
  exports.Set("debugStrandRunner", Napi::Function::New(env, DebugStrandRunner));
  exports.Set("runnerNetnsInode", Napi::Function::New(env, RunnerNetnsInode));
  exports.Set("createNetns", Napi::Function::New(env, CreateNetns));
}

}  // namespace vnetkit
