// SPDX-License-Identifier: MIT
#include "netlink_socket.h"
#include "fault.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace vnetkit {

namespace {

// Sets a size-like socket option, trying the *FORCE variant first (it ignores the sysctl ceiling
// and needs CAP_NET_ADMIN, which a process managing network namespaces normally has).
void SetBufferSize(int fd, int force_opt, int opt, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

// A flag the running kernel may not know (ENOPROTOOPT on old kernels) is reported, not fatal.
bool SetFlag(int fd, int opt, SysError& err) {
  int one = 1;
  if (setsockopt(fd, SOL_NETLINK, opt, &one, sizeof one) == 0) return true;
  if (errno != ENOPROTOOPT) err.set(errno, "setsockopt", "SOL_NETLINK option " + std::to_string(opt));
  return false;
}

}  // namespace

NetlinkSocket OpenNetlinkSocket(const NetlinkSocketOptions& opts, SysError& err) {
  NetlinkSocket s;
  s.fd.reset(Injected(Fault::kSocket) ? -1 : socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, opts.protocol));
  if (!s.fd.valid()) {
    err.set(errno, "socket", "AF_NETLINK protocol " + std::to_string(opts.protocol));
    return s;
  }
  int fd = s.fd.get();
  SetBufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF, opts.sndbuf);
  SetBufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF, opts.rcvbuf);
  s.ext_ack = SetFlag(fd, NETLINK_EXT_ACK, err);
  // Without CAP_ACK the kernel echoes the whole request in every error; we keep our own copy.
  if (!err.failed()) s.cap_ack = SetFlag(fd, NETLINK_CAP_ACK, err);
  if (!err.failed() && opts.strict) s.strict = SetFlag(fd, NETLINK_GET_STRICT_CHK, err);
  if (err.failed()) {
    s.fd.reset();
    return s;
  }
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (Injected(Fault::kBind) || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err.set(errno, "bind", "netlink socket");
    s.fd.reset();
    return s;
  }
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    err.set(errno, "getsockname", "netlink socket");
    s.fd.reset();
    return s;
  }
  s.port_id = addr.nl_pid;
  for (uint32_t group : opts.groups) {
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      err.set(errno, "setsockopt", "NETLINK_ADD_MEMBERSHIP " + std::to_string(group));
      s.fd.reset();
      return s;
    }
  }
  return s;
}

std::vector<uint8_t> NetlinkRoundTrip(const std::vector<uint8_t>& request, int replies, SysError& err) {
  std::vector<uint8_t> out;
  UniqueFd fd(Injected(Fault::kSocket) ? -1 : socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!fd.valid()) return err.set(errno, "socket", "AF_NETLINK NETLINK_ROUTE"), out;
  // Errors then name the attribute at fault, as on the I/O thread's sockets.
  SetFlag(fd.get(), NETLINK_EXT_ACK, err);
  if (!err.failed()) SetFlag(fd.get(), NETLINK_CAP_ACK, err);
  if (err.failed()) return out;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t rc;
  do rc = Injected(Fault::kSendmsg) ? -1 : sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return err.set(errno, "sendmsg", "netlink request"), out;
  for (int i = 0; i < replies; i++) {
    // A zero-length peek with MSG_TRUNC returns the datagram's real size.
    ssize_t len;
    do len = Injected(Fault::kRecvmsg) ? -1 : recv(fd.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC); while (len < 0 && errno == EINTR);
    if (len < 0) {
      if (errno != EAGAIN) err.set(errno, "recvmsg", "netlink reply");
      break;  // fewer replies than expected: the caller sees what came
    }
    size_t at = out.size();
    out.resize(at + static_cast<size_t>(len));
    ssize_t got;
    do got = recv(fd.get(), out.data() + at, static_cast<size_t>(len), 0); while (got < 0 && errno == EINTR);
    if (got < 0) {
      out.resize(at);
      err.set(errno, "recvmsg", "netlink reply");
      break;
    }
    // Padded to 4 bytes, so that the datagrams read as one stream of messages.
    out.resize((at + static_cast<size_t>(got) + 3) & ~size_t{3});
  }
  return out;
}

}  // namespace vnetkit
