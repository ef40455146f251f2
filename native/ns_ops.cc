// SPDX-License-Identifier: MIT
// Namespace lifecycle jobs. Each runs on the NsRunner thread, never on the main thread or a libuv
// pool thread, because setns/unshare change only the calling thread's namespace.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

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

// Makes `dir` (e.g. /run/netns) exist and be a shared mount, as iproute2's netns_add does, so a
// namespace bind-mounted there is visible from other mount namespaces (and ours, after `ip netns
// exec` style unshares). If it is not a mount point yet, bind it onto itself first. Returns a
// locked fd of the directory: concurrent creators (other processes too) take turns, which avoids
// the mount storm of parallel `ip netns add` (Debian #949235).
UniqueFd PrepareRunDir(const std::string& dir, SysError& err) {
  // Opened first and made only when missing: a burst of creates finds it there every time.
  UniqueFd lock(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock.valid() && errno == ENOENT) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      err.set(errno, "mkdir", dir);
      return UniqueFd();
    }
    lock.reset(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  if (!lock.valid()) {
    err.set(errno, "open", dir);
    return lock;
  }
  if (flock(lock.get(), LOCK_EX) != 0) {
    err.set(errno, "flock", dir);
    return UniqueFd();
  }
  bool made_mount = false;
  // Shared, but not recursively (iproute2 passes MS_REC): a recursive propagation change walks
  // every mount under the directory, i.e. every named namespace, under the global mount lock, so
  // each create paid for all the names already there (1,000 creates beside 1,000 names: 336-756
  // ms with MS_REC). A new name's bind mount propagates if the directory's own mount is shared, and
  // is itself made shared as the child of a shared mount; this is re-asserted on every create.
  while (mount("", dir.c_str(), "none", MS_SHARED, nullptr) != 0) {
    if (errno != EINVAL || made_mount) {
      err.set(errno, "mount", dir + " (make shared)");
      return UniqueFd();
    }
    if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
      err.set(errno, "mount", dir + " (bind onto itself)");
      return UniqueFd();
    }
    made_mount = true;
  }
  return lock;
}

// Creates the empty file and bind-mounts the calling thread's current namespace onto it. Leaves
// nothing behind on failure.
void BindCurrentNetns(const std::string& path, SysError& err) {
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) return err.set(errno, "open", path);
  close(fd);
  if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
    err.set(errno, "mount", path);
    unlink(path.c_str());
  }
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// Makes one namespace on the (runner) thread: unshare, open it, bind it to `path` if given (the run
// directory prepared and locked by the caller). Returns whether the thread moved (must go home).
bool MakeNetns(const std::string& path, UniqueFd& fd, SysError& err) {
  // Checked before unshare so an existing name costs nothing; O_EXCL in the bind settles races.
  if (!path.empty() && access(path.c_str(), F_OK) == 0) return err.set(EEXIST, "open", path), false;
  if (unshare(CLONE_NEWNET) != 0) return err.set(errno, "unshare", "CLONE_NEWNET"), false;
  fd.reset(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return err.set(errno, "open", "/proc/thread-self/ns/net"), true;
  if (!path.empty()) {
    BindCurrentNetns(path, err);
    if (err.failed()) fd.reset();
  }
  return true;
}

// createNetns(dir?, path?) -> fd. Without a path: an anonymous namespace that lives while the fd
// (or anything opened in it) does. With one: `ip netns add` semantics (shared run dir, lock,
// O_EXCL file, bind mount). The runner thread unshares into the new namespace, opens or binds its
// /proc/thread-self/ns/net, and returns home.
Napi::Value CreateNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info.Length() > 1 ? StringArg(info, 0, "dir") : "";
  std::string path = info.Length() > 1 ? StringArg(info, 1, "path") : "";
  auto fd = std::make_shared<UniqueFd>();
  auto job = std::make_unique<NsJob>();
  job->switches_ns = true;
  job->work = [fd, dir, path](SysError& err) {
    UniqueFd lock;
    if (!path.empty() && !(lock = PrepareRunDir(dir, err)).valid()) return;
    MakeNetns(path, *fd, err);
  };
  job->finish = [fd](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, fd->release()); };
  return Runner(env).Submit(env, -1, std::move(job));
}

// createNetnsMany(dir, paths) -> Promise<(fd | Error)[]>: several namespaces in one job ('' for an
// anonymous one), the thread returning home after each, so that a burst of creates is the system
// calls back to back rather than a job and a hand-over to the main thread each. The run directory
// stays locked for the job (other creators wait for at most this many creates).
Napi::Value CreateNetnsMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = StringArg(info, 0, "dir");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "createNetnsMany(dir: string, paths: string[])");
  Napi::Array list = info[1].As<Napi::Array>();
  auto paths = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < list.Length(); i++) paths->push_back(list.Get(i).As<Napi::String>().Utf8Value());
  auto fds = std::make_shared<std::vector<UniqueFd>>(paths->size());
  auto errors = std::make_shared<std::vector<SysError>>(paths->size());
  auto job = std::make_unique<NsJob>();
  job->switches_ns = true;
  job->work = [dir, paths, fds, errors](SysError& err) {
    UniqueFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));  // nothing made yet if this fails
    if (!home.valid()) return err.set(errno, "open", "/proc/thread-self/ns/net");
    UniqueFd lock;
    SysError dir_err;
    for (const auto& p : *paths) {
      if (!p.empty()) {
        lock = PrepareRunDir(dir, dir_err);
        break;
      }
    }
    for (size_t i = 0; i < paths->size(); i++) {
      const std::string& path = (*paths)[i];
      if (!path.empty() && dir_err.failed()) {
        (*errors)[i] = dir_err;
        continue;
      }
      if (MakeNetns(path, (*fds)[i], (*errors)[i]) && setns(home.get(), CLONE_NEWNET) != 0) {
        // Stuck in the namespace just made (which stays reported as made): the rest cannot be
        // made from here, and the runner retires this thread when it cannot return home either.
        SysError stuck;
        stuck.set(errno, "setns", "home network namespace");
        for (size_t j = i + 1; j < paths->size(); j++) (*errors)[j] = stuck;
        return;
      }
    }
  };
  job->finish = [fds, errors](Napi::Env env) -> Napi::Value {
    Napi::Array out = Napi::Array::New(env, fds->size());
    for (size_t i = 0; i < fds->size(); i++) {
      const SysError& e = (*errors)[i];
      out.Set(i, e.failed() ? MakeSysError(env, e).Value() : Napi::Number::New(env, (*fds)[i].release()));
    }
    return out;
  };
  return Runner(env).Submit(env, -1, std::move(job));
}

// persistNetns(nsFd, dir, path): gives an existing namespace a name (`ip netns attach`): the runner
// enters it and bind-mounts its own view of it, so no /proc/PID path can go stale meanwhile.
Napi::Value PersistNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  std::string dir = StringArg(info, 1, "dir");
  std::string path = StringArg(info, 2, "path");
  auto job = std::make_unique<NsJob>();
  job->work = [dir, path](SysError& err) {
    UniqueFd lock = PrepareRunDir(dir, err);
    if (!err.failed()) BindCurrentNetns(path, err);
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

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
  exports.Set("createNetns", Napi::Function::New(env, CreateNetns));
  exports.Set("createNetnsMany", Napi::Function::New(env, CreateNetnsMany));
  exports.Set("releaseFreeMemory", Napi::Function::New(env, ReleaseFreeMemory));
  exports.Set("persistNetns", Napi::Function::New(env, PersistNetns));
  exports.Set("deleteNetns", Napi::Function::New(env, DeleteNetns));
  exports.Set("deleteNetnsMany", Napi::Function::New(env, DeleteNetnsMany));
  exports.Set("nsType", Napi::Function::New(env, NsType));
  exports.Set("CLONE_NEWNET", Napi::Number::New(env, CLONE_NEWNET));
}

}  // namespace vnetkit
