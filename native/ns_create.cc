// SPDX-License-Identifier: MIT
// Making network namespaces, as `ip netns add` does, on the NsRunner thread: unshare and setns
// change only the calling thread's namespace, so never the main thread or a libuv pool thread.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "fault.h"
#include "errors.h"
#include "netlink_socket.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {

// Makes `dir` (e.g. /run/netns) exist and be a shared mount, as iproute2's netns_add does, so a
// namespace bind-mounted there is visible from other mount namespaces (and ours, after `ip netns
// exec` style unshares). If it is not a mount point yet, bind it onto itself first. Returns a
// locked fd of the directory: concurrent creators (other processes too) take turns, which avoids
// the mount storm of parallel `ip netns add` (Debian #949235).
UniqueFd PrepareRunDir(const std::string& dir, SysError& err) {
  // Opened first and made only when missing: a burst of creates finds it there every time.
  UniqueFd lock(Injected(Fault::kOpen) ? -1 : open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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
  // is itself made shared as the child of a shared mount; this is re-asserted by every create job.
  while (Injected(Fault::kMount) || mount("", dir.c_str(), "none", MS_SHARED, nullptr) != 0) {
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
  int fd = Injected(Fault::kOpen) ? -1 : open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) return err.set(errno, "open", path);
  close(fd);
  if (Injected(Fault::kMount) || mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
    err.set(errno, "mount", path);
    unlink(path.c_str());
  }
}

// Makes one namespace on the (runner) thread: unshare, open it, bind it to `path` if given (the run
// directory prepared and locked by the caller). Returns whether the thread moved (must go home).
bool MakeNetns(const std::string& path, UniqueFd& fd, SysError& err) {
  // Checked before unshare so an existing name costs nothing; O_EXCL in the bind settles races.
  if (!path.empty() && access(path.c_str(), F_OK) == 0) return err.set(EEXIST, "open", path), false;
  if (Injected(Fault::kUnshare) || unshare(CLONE_NEWNET) != 0) return err.set(errno, "unshare", "CLONE_NEWNET"), false;
  fd.reset(Injected(Fault::kOpen) ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return err.set(errno, "open", "/proc/thread-self/ns/net"), true;
  if (!path.empty()) {
    BindCurrentNetns(path, err);
    if (err.failed()) fd.reset();
  }
  return true;
}

// createNetnsMany(dir, paths[, loUp, wanted]) -> Promise<({ fd[, replies] } | Error)[]>: namespaces
// made in one job ('' for an anonymous one), the thread returning home after each, so that a burst
// of creates is the system calls back to back rather than a job and a hand-over to the main thread
// each. The run directory stays locked for the job (other creators wait for at most this many).
// loUp is a netlink request (built in TS: lo up) sent from inside each new namespace i with
// wanted[i], on a socket opened there and closed right after, while the thread is in it anyway;
// its replies come back with the fd (none if the socket could not be had: JS then does it itself).
Napi::Value CreateNetnsMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = StringArg(info, 0, "dir");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "createNetnsMany(dir: string, paths: string[], loUp?: Uint8Array, wanted?: boolean[])");
  Napi::Array list = info[1].As<Napi::Array>();
  auto paths = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < list.Length(); i++) paths->push_back(list.Get(i).As<Napi::String>().Utf8Value());
  auto lo_up = std::make_shared<std::vector<uint8_t>>();
  std::vector<bool> wanted(paths->size(), false);
  if (info[2].IsTypedArray()) {
    if (info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "createNetnsMany: loUp must be a Uint8Array");
    Napi::Uint8Array request = info[2].As<Napi::Uint8Array>();
    lo_up->assign(request.Data(), request.Data() + request.ByteLength());
    if (!info[3].IsArray()) throw Napi::TypeError::New(env, "createNetnsMany: loUp needs wanted (boolean[])");
    Napi::Array w = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < w.Length() && i < wanted.size(); i++) wanted[i] = w.Get(i).ToBoolean();
  }
  auto fds = std::make_shared<std::vector<UniqueFd>>(paths->size());
  auto errors = std::make_shared<std::vector<SysError>>(paths->size());
  auto replies = std::make_shared<std::vector<std::vector<uint8_t>>>(paths->size());
  auto job = std::make_unique<NsJob>();
  job->switches_ns = true;
  job->work = [dir, paths, lo_up, wanted, fds, errors, replies](SysError& err) {
    UniqueFd home(Injected(Fault::kOpen) ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));  // nothing made yet if this fails
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
      bool moved = MakeNetns(path, (*fds)[i], (*errors)[i]);
      if (moved && wanted[i] && !(*errors)[i].failed()) {
        SysError ignored;
        (*replies)[i] = NetlinkRoundTrip(*lo_up, 1, ignored);
      }
      if (moved && (Injected(Fault::kSetns) || setns(home.get(), CLONE_NEWNET) != 0)) {
        // Stuck in the namespace just made (which stays reported as made): the rest cannot be
        // made from here, and the runner retires this thread when it cannot return home either.
        SysError stuck;
        stuck.set(errno, "setns", "home network namespace");
        for (size_t j = i + 1; j < paths->size(); j++) (*errors)[j] = stuck;
        return;
      }
    }
  };
  job->finish = [fds, errors, replies](Napi::Env env) -> Napi::Value {
    // Everything is built first: should that throw, the promise is rejected and the fds, not yet
    // released, are closed with the job (their names then stay, as a failed `ip netns add` may leave).
    Napi::Array out = Napi::Array::New(env, fds->size());
    std::vector<Napi::Object> made(fds->size());
    for (size_t i = 0; i < fds->size(); i++) {
      if ((*errors)[i].failed()) {
        out.Set(i, MakeSysError(env, (*errors)[i]).Value());
        continue;
      }
      made[i] = Napi::Object::New(env);
      const std::vector<uint8_t>& r = (*replies)[i];
      if (!r.empty()) {
        Napi::ArrayBuffer bytes = Napi::ArrayBuffer::New(env, r.size());
        memcpy(bytes.Data(), r.data(), r.size());
        made[i].Set("replies", Napi::Uint8Array::New(env, r.size(), bytes, 0));
      }
      out.Set(i, made[i]);
    }
    for (size_t i = 0; i < fds->size(); i++) {
      if (!(*errors)[i].failed()) made[i].Set("fd", Napi::Number::New(env, (*fds)[i].get()));
    }
    // Released only once nothing above can throw any more (a failed entry's fd, if any, closes
    // with the job).
    for (size_t i = 0; i < fds->size(); i++) {
      if (!(*errors)[i].failed()) HandOverFd(env, (*fds)[i].release());
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

}  // namespace

void RegisterNamespaceCreateOps(Napi::Env env, Napi::Object exports) {
  exports.Set("createNetnsMany", Napi::Function::New(env, CreateNetnsMany));
  exports.Set("persistNetns", Napi::Function::New(env, PersistNetns));
}

}  // namespace vnetkit
