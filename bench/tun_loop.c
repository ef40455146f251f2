// SPDX-License-Identifier: MIT
// The C floor for bench/tuntap.js: the same ping loop through a TUN fd, in one thread with blocking
// read()/write(). Attaches to an existing tun device, keeps WINDOW ICMP echo requests (from PEER to
// LOCAL, the tun's own address) in flight, writes one more for every echo reply read, and prints
// the replies per second. Compiled by the benchmark at run time (`cc -O2`), never at install.
//
// usage: tun_loop IFNAME PACKET_BYTES WINDOW SECONDS PEER_IP LOCAL_IP
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)(p[n - 1] << 8);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s IFNAME PACKET_BYTES WINDOW SECONDS PEER_IP LOCAL_IP\n", argv[0]);
    return 2;
  }
  size_t len = (size_t)atoi(argv[2]);
  int window = atoi(argv[3]);
  double seconds = atof(argv[4]);
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
    perror("tun");
    return 1;
  }
  uint8_t pkt[65536], buf[65536];
  memset(pkt, 0, len);
  pkt[0] = 0x45;
  pkt[2] = (uint8_t)(len >> 8), pkt[3] = (uint8_t)len;
  pkt[8] = 64, pkt[9] = 1;  // TTL, ICMP
  inet_pton(AF_INET, argv[5], pkt + 12);
  inet_pton(AF_INET, argv[6], pkt + 16);
  uint16_t c = csum(pkt, 20);
  pkt[10] = (uint8_t)(c >> 8), pkt[11] = (uint8_t)c;
  pkt[20] = 8;  // echo request
  pkt[24] = 0x12, pkt[25] = 0x34;
  c = csum(pkt + 20, len - 20);
  pkt[22] = (uint8_t)(c >> 8), pkt[23] = (uint8_t)c;

  for (int i = 0; i < window; i++) {
    if (write(fd, pkt, len) != (ssize_t)len) return perror("write"), 1;
  }
  long replies = 0;
  double start = now(), end = start + seconds, t = start;
  while (t < end) {
    // Should the kernel drop a packet, refill the window instead of waiting forever.
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, 200) == 0) {
      for (int i = 0; i < window; i++) (void)!write(fd, pkt, len);
      t = now();
      continue;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return perror("read"), 1;
    if (n < 21 || (buf[0] >> 4) != 4 || buf[9] != 1 || buf[20] != 0) continue;  // not an echo reply
    replies++;
    if (write(fd, pkt, len) != (ssize_t)len) return perror("write"), 1;
    if ((replies & 255) == 0) t = now();
  }
  printf("%.0f\n", replies / (now() - start));
  return 0;
}
