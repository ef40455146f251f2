// SPDX-License-Identifier: MIT
// The kernel's floor for `npm run bench sysctl`: for each named namespace, setns into it, then
// open/write/close each /proc/sys file (as sysctl(8) writes it), then setns home. Single-threaded
// C, so it may setns freely. Prints one JSON object.
//   sysctl_floor PATH=VALUE[,PATH=VALUE...] NAME...
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static void die(const char *what, const char *arg) {
  fprintf(stderr, "sysctl_floor: %s %s: %s\n", what, arg, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sysctl_floor PATH=VALUE[,...] NAME...\n");
    return 2;
  }
  char *paths[64], *values[64];
  int n = 0;
  for (char *save, *kv = strtok_r(argv[1], ",", &save); kv && n < 64; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (!eq) return 2;
    *eq = 0;
    paths[n] = kv;
    size_t len = strlen(eq + 1);
    values[n] = malloc(len + 2);
    memcpy(values[n], eq + 1, len);
    memcpy(values[n] + len, "\n", 2);
    n++;
  }
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) die("open", "/proc/self/ns/net");
  char ns_path[512];
  double t = now_ms();
  for (int i = 2; i < argc; i++) {
    snprintf(ns_path, sizeof ns_path, "/run/netns/%s", argv[i]);
    int ns = open(ns_path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) die("setns", ns_path);
    close(ns);
    for (int k = 0; k < n; k++) {
      int fd = open(paths[k], O_WRONLY | O_CLOEXEC);
      if (fd < 0) die("open", paths[k]);
      size_t len = strlen(values[k]);
      if (write(fd, values[k], len) != (ssize_t)len) die("write", paths[k]);
      close(fd);
    }
    if (setns(home, CLONE_NEWNET) != 0) die("setns", "home");
  }
  printf("{\"ms\":%.3f,\"namespaces\":%d,\"keys\":%d}\n", now_ms() - t, argc - 2, n);
  return 0;
}
