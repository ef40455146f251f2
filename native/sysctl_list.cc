// SPDX-License-Identifier: MIT
// Listing the sysctl files under a /proc/sys/net directory of a namespace (`sysctl -a -r PREFIX`),
// as one job on the namespace thread (see sysctl.cc for why).
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
#include "sysctl.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {

constexpr int kMaxDepth = 10;  // /proc/sys/net is at most 5 levels deep today; no symlinks to loop on

struct ListState {
  std::string root;
  std::vector<std::string> paths;  // relative to root, '/'-joined
  std::vector<int> modes;
  std::vector<Outcome> values;
  Outcome failure;
};

Outcome ReadEntry(int dir_fd, const char* name, const struct stat& st) {
  Outcome o;
  o.mode = st.st_mode & 07777;
  if (!(st.st_mode & S_IRUSR)) {
    o.err = EACCES;  // write-only (route/flush): listed with no value; `sysctl -a` skips it
    o.syscall = "open";
    return o;
  }
  UniqueFd fd(openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    o.err = errno;
    o.syscall = "open";
  } else if (!ReadAll(fd.get(), o.value)) {
    o.err = errno;  // e.g. ipv6 stable_secret reads EIO until one is set
    o.syscall = "read";
  } else {
    o.has_value = true;
  }
  return o;
}

void Walk(ListState& s, int dir_fd, const std::string& rel, int depth) {
  DIR* d = fdopendir(dir_fd);
  if (!d) {
    close(dir_fd);
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  for (const std::string& name : names) {
    struct stat st;
    if (fstatat(dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    std::string child = rel.empty() ? name : rel + "/" + name;
    if (S_ISDIR(st.st_mode)) {
      if (depth >= kMaxDepth) continue;
      int fd = openat(dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) Walk(s, fd, child, depth + 1);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    s.paths.push_back(child);
    s.modes.push_back(st.st_mode & 07777);
    s.values.push_back(ReadEntry(dirfd(d), name.c_str(), st));
  }
  closedir(d);
}

}  // namespace

// sysctlList(nsFd, path) -> Promise<{ paths, modes, values }>: every file under `path` (a directory
// or one file), relative paths, mode bits, and the value or { errno, syscall, mode } of each.
Napi::Value SysctlList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  auto s = std::make_shared<ListState>();
  s->root = StringArg(info, 1, "path");
  if (s->root != "/proc/sys/net" && !SafePath(s->root)) throw Napi::TypeError::New(env, "not a path under /proc/sys/net: " + s->root);
  auto job = std::make_unique<NsJob>();
  job->work = [s](SysError& err) {
    int fd = open(s->root.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return err.set(errno, "open", s->root);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int e = errno;
      close(fd);
      return err.set(e, "fstat", s->root);
    }
    if (S_ISDIR(st.st_mode)) return Walk(*s, fd, "", 0);
    close(fd);
    // A single entry: listed as itself (relative path "").
    s->paths.push_back("");
    s->modes.push_back(st.st_mode & 07777);
    s->values.push_back(ReadEntry(AT_FDCWD, s->root.c_str(), st));
  };
  job->finish = [s](Napi::Env env) -> Napi::Value {
    size_t n = s->paths.size();
    Napi::Array paths = Napi::Array::New(env, n), modes = Napi::Array::New(env, n), values = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; i++) {
      paths.Set(i, Napi::String::New(env, s->paths[i]));
      modes.Set(i, Napi::Number::New(env, s->modes[i]));
      values.Set(i, OutcomeValue(env, s->values[i]));
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("paths", paths);
    out.Set("modes", modes);
    out.Set("values", values);
    return out;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

}  // namespace vnetkit
