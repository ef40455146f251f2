// SPDX-License-Identifier: MIT
// The kernel's floor for the bulk workloads of `npm run bench`: raw rtnetlink from C, one request
// at a time (each waits for its ACK, as iproute2 does) or pipelined in one sendmsg, with and without
// the group delete. Single-threaded, so it may setns freely. Prints one JSON object.
//   floor w1|w2|w3|w4 N [group|onebyone] [batch]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static void die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  exit(1);
}

struct req {
  char buf[1024];
  struct nlmsghdr *n;
};
static unsigned seq = 1;
static void req_init(struct req *r, int type, int flags, int family, int index, unsigned ifflags) {
  memset(r->buf, 0, sizeof r->buf);
  r->n = (struct nlmsghdr *)r->buf;
  r->n->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  r->n->nlmsg_type = type;
  r->n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  r->n->nlmsg_seq = seq++;
  struct ifinfomsg *i = NLMSG_DATA(r->n);
  i->ifi_family = family;
  i->ifi_index = index;
  i->ifi_flags = ifflags;
  i->ifi_change = ifflags ? IFF_UP : 0;
}
static struct rtattr *add(struct nlmsghdr *n, int type, const void *data, int len) {
  struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len && data) memcpy(RTA_DATA(a), data, len);
  else if (len) memset(RTA_DATA(a), 0, len);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
  return a;
}
static void end(struct nlmsghdr *n, struct rtattr *nest) { nest->rta_len = (char *)n + n->nlmsg_len - (char *)nest; }
static void add_u32(struct nlmsghdr *n, int type, unsigned v) { add(n, type, &v, 4); }
static void add_str(struct nlmsghdr *n, int type, const char *s) { add(n, type, s, strlen(s) + 1); }

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("socket");
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  struct sockaddr_nl a = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&a, sizeof a)) die("bind");
  return fd;
}

// Pipelining: messages accumulate in `out` until flush() sends them in one sendmsg and reads all
// their ACKs. With batch == 1 every request waits for its own ACK.
static char out[1 << 20];
static size_t out_len, out_count;
static int batch = 1;
static int out_fd = -1;  // the socket the pending messages are for
static void flush(int fd) {
  if (!out_len) return;
  if (send(fd, out, out_len, 0) < 0) die("send");
  size_t acks = 0;
  static char in[1 << 16];
  while (acks < out_count) {
    ssize_t got = recv(fd, in, sizeof in, 0);
    if (got < 0) die("recv");
    for (struct nlmsghdr *h = (struct nlmsghdr *)in; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error) {
        errno = -e->error;
        fprintf(stderr, "floor: request type %d seq %u failed\n", e->msg.nlmsg_type, e->msg.nlmsg_seq);
        die("request");
      }
      acks++;
    }
  }
  out_len = out_count = 0;
}
static void talk(int fd, struct req *r) {
  if (out_len && out_fd != fd) flush(out_fd);
  out_fd = fd;
  memcpy(out + out_len, r->buf, r->n->nlmsg_len);
  out_len += NLMSG_ALIGN(r->n->nlmsg_len);
  if (++out_count >= (size_t)batch || out_len > sizeof out - 2048) flush(fd);
}

// One tx and one rx queue per end, as vnetkit asks: without them the kernel allocates a queue per CPU
// and trims each end back to one with an RCU synchronization under rtnl_lock (veth_init_queues),
// ~0.1 ms per end. The floor sends the same request as the library, so it stays the floor.
static void veth(int fd, const char *name, const char *peer, int peer_ns, unsigned group, int master, int up) {
  struct req r;
  req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, up ? IFF_UP : 0);
  add_str(r.n, IFLA_IFNAME, name);
  if (group) add_u32(r.n, IFLA_GROUP, group);
  if (master) add_u32(r.n, IFLA_MASTER, master);
  add_u32(r.n, IFLA_NUM_TX_QUEUES, 1);
  add_u32(r.n, IFLA_NUM_RX_QUEUES, 1);
  struct rtattr *li = add(r.n, IFLA_LINKINFO, NULL, 0);
  add_str(r.n, IFLA_INFO_KIND, "veth");
  struct rtattr *data = add(r.n, IFLA_INFO_DATA, NULL, 0);
  struct rtattr *p = add(r.n, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg));
  add_str(r.n, IFLA_IFNAME, peer);
  if (peer_ns >= 0) add_u32(r.n, IFLA_NET_NS_FD, peer_ns);
  if (group) add_u32(r.n, IFLA_GROUP, group);
  add_u32(r.n, IFLA_NUM_TX_QUEUES, 1);
  add_u32(r.n, IFLA_NUM_RX_QUEUES, 1);
  end(r.n, p), end(r.n, data), end(r.n, li);
  talk(fd, &r);
}
static void set_up(int fd, const char *name) {
  struct req r;
  req_init(&r, RTM_NEWLINK, 0, AF_UNSPEC, 0, IFF_UP);
  add_str(r.n, IFLA_IFNAME, name);
  talk(fd, &r);
}
static void del_name(int fd, const char *name) {
  struct req r;
  req_init(&r, RTM_DELLINK, 0, AF_UNSPEC, 0, 0);
  add_str(r.n, IFLA_IFNAME, name);
  talk(fd, &r);
}
static void del_group(int fd, unsigned group) {
  struct req r;
  req_init(&r, RTM_DELLINK, 0, AF_UNSPEC, 0, 0);
  add_u32(r.n, IFLA_GROUP, group);
  talk(fd, &r);
  flush(fd);
}
#include "floor_workloads.h"
