// SPDX-License-Identifier: MIT
// vnetkit-nsexec: runs a program inside a network namespace with `ip netns exec` semantics.
//
// Namespace.spawn() starts this small single-threaded helper instead of forking Node: joining a
// namespace and unsharing the mount namespace are refused to multi-threaded processes, and libuv's
// spawn has no hook to run code between fork and exec. Usage:
//   vnetkit-nsexec [--name NAME] -- PROGRAM [ARGS...]     (the namespace fd is inherited as fd 3)
// Steps, as iproute2's netns_switch(): setns(net); unshare(mount); make / a slave mount so nothing
// propagates back; remount /sys so it shows this namespace's devices; bind /etc/netns/NAME/* over
// /etc/*; exec. Exit status 255 means a setup step failed (the message says which), 127 that the
// program could not be executed.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define NS_FD 3

static int fail(const char* step, const char* what) {
  fprintf(stderr, "vnetkit-nsexec: %s%s%s: %s\n", step, what ? " " : "", what ? what : "", strerror(errno));
  return 255;
}

static void bind_etc(const char* name) {
  char dir[4096];
  snprintf(dir, sizeof dir, "/etc/netns/%s", name);
  DIR* d = opendir(dir);
  if (!d) return;  // no per-namespace files: nothing to bind
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char src[4096 + 256], dst[4096 + 256];
    snprintf(src, sizeof src, "%s/%s", dir, e->d_name);
    snprintf(dst, sizeof dst, "/etc/%s", e->d_name);
    if (mount(src, dst, "none", MS_BIND, NULL) < 0) {
      fprintf(stderr, "vnetkit-nsexec: bind %s -> %s failed: %s\n", src, dst, strerror(errno));
    }
  }
  closedir(d);
}

int main(int argc, char** argv) {
  const char* name = NULL;
  int i = 1;
  if (i + 1 < argc && strcmp(argv[i], "--name") == 0) {
    name = argv[i + 1];
    i += 2;
  }
  if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
    fprintf(stderr, "usage: vnetkit-nsexec [--name NAME] -- PROGRAM [ARGS...] (namespace fd on fd 3)\n");
    return 255;
  }
  if (setns(NS_FD, CLONE_NEWNET) < 0) return fail("setns", "(network namespace on fd 3)");
  close(NS_FD);
  if (unshare(CLONE_NEWNS) < 0) return fail("unshare", "CLONE_NEWNS");
  if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) return fail("mount", "--make-rslave /");
  unsigned long flags = 0;
  if (umount2("/sys", MNT_DETACH) < 0) {
    // Not unmountable (or nothing there): overlay it, read-only if the old one was.
    struct statvfs st;
    if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY)) flags = MS_RDONLY;
  }
  if (mount(name ? name : "vnetkit", "/sys", "sysfs", flags, NULL) < 0) return fail("mount", "/sys");
  if (name) bind_etc(name);
  execvp(argv[i + 1], argv + i + 1);
  fprintf(stderr, "vnetkit-nsexec: exec %s: %s\n", argv[i + 1], strerror(errno));
  return 127;
}
