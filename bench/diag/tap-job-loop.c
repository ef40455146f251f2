// SPDX-License-Identifier: MIT
// What one TunTap.createPersistent({ deviceGroup }) job does on the namespace thread, as a plain C
// loop, to compare the thread's CPU with (bench/diag/thread-cpu.js): per tap open, TUNSETIFF,
// if_nametoindex, TUNSETPERSIST, close, then a netlink socket (EXT_ACK, CAP_ACK) that sets the
// device group and reads the link back (RTM_GETLINK), closed again. Then one group delete.
//   cc -O2 -o /tmp/tap-job-loop bench/diag/tap-job-loop.c && unshare --net /tmp/tap-job-loop 1000
// Prints the create phase's wall time and CPU (getrusage), and the delete's wall time.
#define _GNU_SOURCE
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GROUP 4245

struct req {
  struct nlmsghdr n;
  struct ifinfomsg i;
  char attrs[64];
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void req_init(struct req *r, int type, int flags, int seq, unsigned index) {
  memset(r, 0, sizeof *r);
  r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  r->n.nlmsg_type = type;
  r->n.nlmsg_flags = NLM_F_REQUEST | flags;
  r->n.nlmsg_seq = seq;
  r->i.ifi_index = index;
}

static void add_u32(struct nlmsghdr *n, int type, unsigned v) {
  struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(4);
  memcpy(RTA_DATA(a), &v, 4);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  static char buf[65536];
  int one = 1;
  struct req r;
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    int t = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t < 0) die("open /dev/net/tun");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "jt%d", i);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
    if (ioctl(t, TUNSETIFF, &ifr)) die("TUNSETIFF");
    unsigned index = if_nametoindex(ifr.ifr_name);
    if (ioctl(t, TUNSETPERSIST, 1)) die("TUNSETPERSIST");
    close(t);
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) die("socket");
    setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    req_init(&r, RTM_NEWLINK, NLM_F_ACK, 1, index);
    add_u32(&r.n, IFLA_GROUP, GROUP);
    if (send(s, &r, r.n.nlmsg_len, 0) < 0 || recv(s, buf, sizeof buf, 0) < 0) die("set group");
    req_init(&r, RTM_GETLINK, 0, 2, index);
    if (send(s, &r, r.n.nlmsg_len, 0) < 0 || recv(s, buf, sizeof buf, 0) < 0) die("getlink");
    close(s);
  }
  double t1 = now_ms();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  req_init(&r, RTM_DELLINK, NLM_F_ACK, 3, 0);
  add_u32(&r.n, IFLA_GROUP, GROUP);
  if (s < 0 || send(s, &r, r.n.nlmsg_len, 0) < 0 || recv(s, buf, sizeof buf, 0) < 0) die("group delete");
  printf("{\"n\":%d,\"createMs\":%.1f,\"createCpuMs\":%.1f,\"deleteMs\":%.1f}\n", n, t1 - t0, cpu, now_ms() - t1);
  return 0;
}
