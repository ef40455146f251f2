// SPDX-License-Identifier: MIT
// The workloads of the floor program (included by floor.c).
#include <arpa/inet.h>
#include <linux/if_addr.h>

static void add_addr(int fd, int ifindex_by_name_unused, const char *dev, const char *ip4, int plen) {
  (void)ifindex_by_name_unused;
  struct req r;
  memset(r.buf, 0, sizeof r.buf);
  r.n = (struct nlmsghdr *)r.buf;
  r.n->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  r.n->nlmsg_type = RTM_NEWADDR;
  r.n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  r.n->nlmsg_seq = seq++;
  struct ifaddrmsg *a = NLMSG_DATA(r.n);
  a->ifa_family = AF_INET;
  a->ifa_prefixlen = plen;
  a->ifa_index = if_nametoindex(dev);
  struct in_addr in;
  inet_pton(AF_INET, ip4, &in);
  add(r.n, IFA_LOCAL, &in, 4);
  add(r.n, IFA_ADDRESS, &in, 4);
  talk(fd, &r);
}

static int home_ns;
static int new_anon_ns(void) {
  if (unshare(CLONE_NEWNET)) die("unshare");
  int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (setns(home_ns, CLONE_NEWNET)) die("setns home");
  return fd;
}
static int socket_in(int ns) {
  if (setns(ns, CLONE_NEWNET)) die("setns");
  int fd = nl_open();
  if (setns(home_ns, CLONE_NEWNET)) die("setns home");
  return fd;
}

// W1: N veth pairs, both ends up, then delete all.
static void w1(int n, int group_delete, double *t_create, double *t_delete) {
  int fd = nl_open();
  char a[16], b[16];
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    snprintf(a, 16, "fa%d", i), snprintf(b, 16, "fb%d", i);
    veth(fd, a, b, -1, group_delete ? 4242 : 0, 0, 1);
    set_up(fd, b);
  }
  flush(fd);
  *t_create = now_ms() - t0;
  t0 = now_ms();
  if (group_delete) del_group(fd, 4242);
  else {
    for (int i = 0; i < n; i++) snprintf(a, 16, "fa%d", i), del_name(fd, a);
    flush(fd);
  }
  *t_delete = now_ms() - t0;
  close(fd);
}

// W2: N named namespaces, created and deleted as `ip netns add/delete` does.
static void w2(int n, double *t_create, double *t_delete) {
  mkdir("/run/netns", 0755);
  mount("", "/run/netns", "none", MS_SHARED | MS_REC, NULL);
  char path[64];
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/run/netns/floor%d", i);
    int lock = open("/run/netns", O_RDONLY | O_DIRECTORY);
    flock(lock, LOCK_EX);
    int f = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
    if (f < 0) die("create");
    close(f);
    if (unshare(CLONE_NEWNET)) die("unshare");
    if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL)) die("bind");
    if (setns(home_ns, CLONE_NEWNET)) die("setns");
    close(lock);
  }
  *t_create = now_ms() - t0;
  t0 = now_ms();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/run/netns/floor%d", i);
    umount2(path, MNT_DETACH);
    if (unlink(path)) die("unlink");
  }
  *t_delete = now_ms() - t0;
}

// W3: one bridge, N veth pairs: one end a port, the other in one of 10 namespaces with an address.
static void w3(int n, double *t_create, double *t_delete) {
  int fd = nl_open();
  int ns[10], nsfd[10];
  for (int i = 0; i < 10; i++) ns[i] = new_anon_ns(), nsfd[i] = socket_in(ns[i]);
  double t0 = now_ms();
  struct req r;
  req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, IFF_UP);
  add_str(r.n, IFLA_IFNAME, "fbr0");
  add_u32(r.n, IFLA_GROUP, 4243);
  struct rtattr *li = add(r.n, IFLA_LINKINFO, NULL, 0);
  add_str(r.n, IFLA_INFO_KIND, "bridge");
  end(r.n, li);
  talk(fd, &r);
  flush(fd);
  int br = if_nametoindex("fbr0");
  char a[16], b[16], ip[32];
  for (int i = 0; i < n; i++) {
    snprintf(a, 16, "p%d", i), snprintf(b, 16, "e%d", i);
    veth(fd, a, b, ns[i % 10], 4243, br, 1);
  }
  flush(fd);
  for (int i = 0; i < n; i++) {
    int s = nsfd[i % 10];
    snprintf(b, 16, "e%d", i);
    snprintf(ip, sizeof ip, "10.%d.%d.%d", 100 + i % 10, (i / 10) / 250, 1 + (i / 10) % 250);
    set_up(s, b);
    // if_nametoindex resolves in the caller's namespace, so enter it for the lookup.
    if (setns(ns[i % 10], CLONE_NEWNET)) die("setns");
    add_addr(s, 0, b, ip, 16);
    if (setns(home_ns, CLONE_NEWNET)) die("setns home");
  }
  flush(out_fd);
  *t_create = now_ms() - t0;
  t0 = now_ms();
  del_group(fd, 4243);
  *t_delete = now_ms() - t0;
  for (int i = 0; i < 10; i++) close(nsfd[i]), close(ns[i]);
  close(fd);
}

// W4: N persistent taps created (ioctl) and deleted (by name, or tagged and group-deleted).
static void w4(int n, int group_delete, double *t_create, double *t_delete) {
  int fd = nl_open();
  char name[16];
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (t < 0) die("open /dev/net/tun");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "ft%d", i);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(t, TUNSETIFF, &ifr)) die("TUNSETIFF");
    if (ioctl(t, TUNSETPERSIST, 1)) die("TUNSETPERSIST");
    close(t);
  }
  *t_create = now_ms() - t0;
  t0 = now_ms();
  for (int i = 0; i < n; i++) {
    snprintf(name, 16, "ft%d", i);
    if (group_delete) {
      struct req r;
      req_init(&r, RTM_NEWLINK, 0, AF_UNSPEC, 0, 0);
      add_str(r.n, IFLA_IFNAME, name);
      add_u32(r.n, IFLA_GROUP, 4244);
      talk(fd, &r);
    } else {
      del_name(fd, name);
    }
  }
  flush(fd);
  if (group_delete) del_group(fd, 4244);
  *t_delete = now_ms() - t0;
  close(fd);
}

// W4 as vnetkit's namespace thread does it, one TunTap.createPersistent({ deviceGroup }) job after
// another (native/tun.cc): per tap open, TUNSETIFF, if_nametoindex, TUNSETPERSIST, close, then a
// netlink socket of its own (EXT_ACK, CAP_ACK) that sets the device group and reads the link back,
// closed again; then one group delete. Not a floor: the yardstick for that thread's CPU
// (bench/diag/thread-cpu.js), reported as createCpuMs (getrusage at the end of the creates).
static double create_cpu_ms = -1;
static void w4job(int n, double *t_create, double *t_delete) {
  static char in[1 << 16];
  int one = 1;
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    int t = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t < 0) die("open /dev/net/tun");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "fj%d", i);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
    if (ioctl(t, TUNSETIFF, &ifr)) die("TUNSETIFF");
    unsigned index = if_nametoindex(ifr.ifr_name);
    if (ioctl(t, TUNSETPERSIST, 1)) die("TUNSETPERSIST");
    close(t);
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) die("socket");
    setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    struct req r;
    req_init(&r, RTM_NEWLINK, 0, AF_UNSPEC, index, 0);
    add_u32(r.n, IFLA_GROUP, 4245);
    if (send(s, r.buf, r.n->nlmsg_len, 0) < 0 || recv(s, in, sizeof in, 0) < 0) die("set group");
    req_init(&r, RTM_GETLINK, 0, AF_UNSPEC, index, 0);
    r.n->nlmsg_flags = NLM_F_REQUEST;  // the reply alone, as the job asks
    if (send(s, r.buf, r.n->nlmsg_len, 0) < 0 || recv(s, in, sizeof in, 0) < 0) die("getlink");
    close(s);
  }
  *t_create = now_ms() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  create_cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  t0 = now_ms();
  int fd = nl_open();
  del_group(fd, 4245);
  *t_delete = now_ms() - t0;
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: floor w1|w2|w3|w4|w4job N [group|onebyone] [batch]\n");
    return 2;
  }
  int n = atoi(argv[2]);
  int group = argc > 3 && strcmp(argv[3], "group") == 0;
  if (argc > 4) batch = atoi(argv[4]);
  home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  double c = 0, d = 0;
  if (!strcmp(argv[1], "w1")) w1(n, group, &c, &d);
  else if (!strcmp(argv[1], "w2")) w2(n, &c, &d);
  else if (!strcmp(argv[1], "w3")) w3(n, &c, &d);
  else if (!strcmp(argv[1], "w4")) w4(n, group, &c, &d);
  else if (!strcmp(argv[1], "w4job")) w4job(n, &c, &d);
  printf("{\"workload\":\"%s\",\"n\":%d,\"group\":%s,\"batch\":%d,\"createMs\":%.3f,\"deleteMs\":%.3f,\"totalMs\":%.3f",
         argv[1], n, group ? "true" : "false", batch, c, d, c + d);
  if (create_cpu_ms >= 0) printf(",\"createCpuMs\":%.1f", create_cpu_ms);
  printf("}\n");
  return 0;
}
