// SPDX-License-Identifier: MIT
// sysctl files of a network namespace. Entries under /proc/sys/net are looked up in the network
// namespace of the thread that opens them (the procfs mount is the process's; only the net subtree
// follows the thread), and an opened file stays bound to that namespace's values. So every open,
// read and write here runs as one job on the namespace thread, after its setns(ns): never on the
// main thread or the libuv pool. Paths are built and validated in TypeScript (sysctl-keys.ts) and
// checked again here; values are written as sysctl(8) writes them, one write() from offset 0.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fault.h"
#include "sysctl.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {
constexpr char kRoot[] = "/proc/sys/net/";

std::vector<std::string> PathsArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsArray()) throw Napi::TypeError::New(env, "paths must be an array of strings");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsString()) throw Napi::TypeError::New(env, "paths must be an array of strings");
    out.push_back(v.As<Napi::String>().Utf8Value());
    if (!SafePath(out.back())) throw Napi::TypeError::New(env, "not a path under /proc/sys/net: " + out.back());
  }
  return out;
}

// One write() from offset 0, as sysctl(8) does: the kernel parses the value as a whole, and with
// sysctl_writes_strict (the default) a write at a non-zero offset is ignored for numbers.
bool WriteValue(int fd, const std::string& value) {
  if (lseek(fd, 0, SEEK_SET) < 0) return false;
  ssize_t n;
  do n = write(fd, value.data(), value.size());
  while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  if (static_cast<size_t>(n) != value.size()) {
    errno = EIO;
    return false;
  }
  return true;
}

// sysctlGet(nsFd, paths) -> Promise<(string | { errno, syscall, mode })[]>: one job reads them all.
Napi::Value SysctlGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  auto paths = std::make_shared<std::vector<std::string>>(PathsArg(info, 1));
  auto out = std::make_shared<std::vector<Outcome>>(paths->size());
  auto job = std::make_unique<NsJob>();
  job->work = [paths, out](SysError&) {
    for (size_t i = 0; i < paths->size(); i++) {
      const std::string& p = (*paths)[i];
      Outcome& o = (*out)[i];
      UniqueFd fd(Injected(Fault::kOpen) ? -1 : open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) {
        o.fail(errno, "open", p);
      } else if (!ReadAll(fd.get(), o.value)) {
        o.fail(errno, "read", p);
      } else {
        o.has_value = true;
      }
    }
  };
  job->finish = [out](Napi::Env env) -> Napi::Value {
    Napi::Array a = Napi::Array::New(env, out->size());
    for (size_t i = 0; i < out->size(); i++) a.Set(i, OutcomeValue(env, (*out)[i]));
    return a;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

struct SetState {
  std::vector<std::string> paths, values;
  std::vector<UniqueFd> fds;
  std::vector<std::string> old;
  std::vector<bool> readable;
  int failed = -1;  // index of the key that failed, -1 if all were written
  Outcome failure;
  std::vector<int> not_restored;  // keys written before the failure that could not be put back
};

// sysctlSet(nsFd, paths, values) -> Promise<{ old, failed, error, notRestored }>. One job: open
// every file for writing and read its value first (an unknown or read-only key fails here, before
// anything is written), then write them in order. If a write is refused, the keys already written
// get their old values back, and so does the refused one should the kernel have taken part of it.
Napi::Value SysctlSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  auto s = std::make_shared<SetState>();
  s->paths = PathsArg(info, 1);
  if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != s->paths.size()) {
    throw Napi::TypeError::New(env, "values must be an array of strings, one per path");
  }
  Napi::Array values = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < values.Length(); i++) s->values.push_back(values.Get(i).ToString().Utf8Value());
  auto job = std::make_unique<NsJob>();
  job->work = [s](SysError&) {
    size_t n = s->paths.size();
    s->fds.resize(n);
    s->old.resize(n);
    s->readable.assign(n, false);
    for (size_t i = 0; i < n && s->failed < 0; i++) {
      const char* p = s->paths[i].c_str();
      s->fds[i].reset(Injected(Fault::kOpen) ? -1 : open(p, O_RDWR | O_NOFOLLOW | O_CLOEXEC));
      if (s->fds[i].valid()) {
        s->readable[i] = true;
        if (!ReadAll(s->fds[i].get(), s->old[i])) {
          s->failed = static_cast<int>(i);
          s->failure.fail(errno, "read", s->paths[i]);
        }
        continue;
      }
      // A write-only entry (route/flush, 0200) is an action: writable, with no old value.
      if (errno == EACCES) s->fds[i].reset(open(p, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!s->fds[i].valid()) {
        s->failed = static_cast<int>(i);
        s->failure.fail(errno, "open", s->paths[i]);
      }
    }
    if (s->failed >= 0) return;
    // Write-only entries (actions) go last: they cannot be undone if a later write is refused.
    std::vector<size_t> order;
    for (size_t i = 0; i < n; i++) if (s->readable[i]) order.push_back(i);
    for (size_t i = 0; i < n; i++) if (!s->readable[i]) order.push_back(i);
    for (size_t k = 0; k < n; k++) {
      size_t i = order[k];
      if (WriteValue(s->fds[i].get(), s->values[i])) continue;
      s->failed = static_cast<int>(i);
      s->failure.fail(errno, "write", s->paths[i]);
      std::string now;
      if (s->readable[i] && ReadAll(s->fds[i].get(), now) && now != s->old[i] && !WriteValue(s->fds[i].get(), s->old[i])) {
        s->not_restored.push_back(static_cast<int>(i));
      }
      for (size_t m = 0; m < k; m++) {
        size_t j = order[m];
        if (!s->readable[j]) continue;  // an action (flush) cannot be undone
        if (!WriteValue(s->fds[j].get(), s->old[j])) s->not_restored.push_back(static_cast<int>(j));
      }
      break;
    }
    s->fds.clear();
  };
  job->finish = [s](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    Napi::Array old = Napi::Array::New(env, s->old.size());
    for (size_t i = 0; i < s->old.size(); i++) {
      old.Set(i, s->readable[i] ? Napi::Value(Napi::String::New(env, s->old[i])) : env.Null());
    }
    out.Set("old", old);
    out.Set("failed", Napi::Number::New(env, s->failed));
    if (s->failed >= 0) out.Set("error", OutcomeValue(env, s->failure));
    Napi::Array nr = Napi::Array::New(env, s->not_restored.size());
    for (size_t i = 0; i < s->not_restored.size(); i++) nr.Set(i, Napi::Number::New(env, s->not_restored[i]));
    out.Set("notRestored", nr);
    return out;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

}  // namespace

bool SafePath(const std::string& p) {
  if (p.compare(0, sizeof kRoot - 1, kRoot) != 0 || p.size() == sizeof kRoot - 1) return false;
  if (p.find('\0') != std::string::npos || p.find("//") != std::string::npos || p.back() == '/') return false;
  // No "." or ".." component anywhere (a component may contain dots: "eth0.100").
  for (size_t i = 0; i < p.size();) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string c = p.substr(i, j - i);
    if (c == "." || c == "..") return false;
    i = j + 1;
  }
  return true;
}

// Reads the whole file from offset 0.
bool ReadAll(int fd, std::string& out) {
  out.clear();
  if (lseek(fd, 0, SEEK_SET) < 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

Napi::Value OutcomeValue(Napi::Env env, const Outcome& o) {
  if (o.has_value) return Napi::String::New(env, o.value);
  Napi::Object e = Napi::Object::New(env);
  e.Set("errno", Napi::Number::New(env, -o.err));
  e.Set("syscall", Napi::String::New(env, o.syscall));
  e.Set("mode", Napi::Number::New(env, o.mode));
  return e;
}


void RegisterSysctlOps(Napi::Env env, Napi::Object exports) {
  exports.Set("sysctlGet", Napi::Function::New(env, SysctlGet));
  exports.Set("sysctlSet", Napi::Function::New(env, SysctlSet));
  exports.Set("sysctlList", Napi::Function::New(env, SysctlList));
}

}  // namespace vnetkit
