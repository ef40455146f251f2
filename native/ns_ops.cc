// SPDX-License-Identifier: MIT
// Namespace lifecycle jobs (deleting; creating is in ns_create.cc). Each runs on the NsRunner thread, never on the main thread or a libuv
// pool thread, because setns/unshare change only the calling thread's namespace.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "fault.h"
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
    if (Injected(Fault::kUnshare) || unshare(CLONE_NEWNET) != 0) return err.set(errno, "unshare", "CLONE_NEWNET");
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

}  // namespace

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

namespace {

// `ip netns delete`: detach the bind mount and remove the file. EBUSY (a mount still settling) is
// retried briefly. The namespace itself lives on while anything uses it.
// `retries` is shared by the names of one job: 20 waits of 5 ms at most in all, so that names still
// busy cannot hold the namespace thread (and every job queued behind) for 100 ms each.
void RemoveNetnsName(const std::string& path, SysError& err, int& retries) {
  umount2(path.c_str(), MNT_DETACH);  // fails harmlessly if it is not mounted (a half-made name)
  for (;;) {
    if (unlink(path.c_str()) == 0) return;
    if (errno != EBUSY || retries == 0) return err.set(errno, "unlink", path);
    retries--;
    umount2(path.c_str(), MNT_DETACH);
    usleep(5000);
  }
}
constexpr int kBusyRetries = 20;

// deleteNetns(path)
Napi::Value DeleteNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "path");
  auto job = std::make_unique<NsJob>();
  job->work = [path](SysError& err) {
    int retries = kBusyRetries;
    RemoveNetnsName(path, err, retries);
  };
  return Runner(env).Submit(env, -1, std::move(job));
}

// deleteNetnsMany(paths) -> Promise<(Error | null)[]>: several names in one job, so that a bulk
// delete is the unmounts back to back rather than a job and a hand-over to the main thread each
// (1,000 names: 132 -> 45-50 ms, see src/objects/bulk.ts).
Napi::Value DeleteNetnsMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "deleteNetnsMany(paths: string[])");
  Napi::Array list = info[0].As<Napi::Array>();
  auto paths = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < list.Length(); i++) paths->push_back(list.Get(i).As<Napi::String>().Utf8Value());
  auto errors = std::make_shared<std::vector<SysError>>(paths->size());
  auto job = std::make_unique<NsJob>();
  job->work = [paths, errors](SysError&) {
    int retries = kBusyRetries;
    for (size_t i = 0; i < paths->size(); i++) RemoveNetnsName((*paths)[i], (*errors)[i], retries);
  };
  job->finish = [errors](Napi::Env env) -> Napi::Value {
    Napi::Array out = Napi::Array::New(env, errors->size());
    for (size_t i = 0; i < errors->size(); i++) {
      const SysError& e = (*errors)[i];
      out.Set(i, e.failed() ? MakeSysError(env, e).Value() : env.Null());
    }
    return out;
  };
  return Runner(env).Submit(env, -1, std::move(job));
}

// nsType(fd) -> CLONE_NEW* of a namespace fd, or throws (ENOTTY: not a namespace file).
Napi::Value NsType(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) throw MakeSysError(info.Env(), errno, "ioctl", "NS_GET_NSTYPE");
  return Napi::Number::New(info.Env(), type);
}

// Tests only: returns freed heap memory to the system (glibc keeps it in per-thread arenas), so
// RSS measures live memory rather than the high-water mark of a burst.
Napi::Value ReleaseFreeMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
}

}  // namespace

void RegisterNamespaceOps(Napi::Env env, Napi::Object exports) {
  exports.Set("debugStrandRunner", Napi::Function::New(env, DebugStrandRunner));
  exports.Set("runnerNetnsInode", Napi::Function::New(env, RunnerNetnsInode));
  exports.Set("releaseFreeMemory", Napi::Function::New(env, ReleaseFreeMemory));
  exports.Set("deleteNetns", Napi::Function::New(env, DeleteNetns));
  exports.Set("deleteNetnsMany", Napi::Function::New(env, DeleteNetnsMany));
  exports.Set("nsType", Napi::Function::New(env, NsType));
  exports.Set("CLONE_NEWNET", Napi::Number::New(env, CLONE_NEWNET));
}

}  // namespace vnetkit
