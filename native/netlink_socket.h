// SPDX-License-Identifier: MIT
#pragma once
#include <cstdint>
#include <vector>

#include "errors.h"
#include "unique_fd.h"

namespace vnetkit {

struct NetlinkSocketOptions {
  int protocol = 0;                  // NETLINK_ROUTE, ...
  int rcvbuf = 1 << 20;              // bytes; forced past rmem_max when we have CAP_NET_ADMIN
  int sndbuf = 1 << 20;              // large enough for explicitly batched requests
  bool strict = true;                // NETLINK_GET_STRICT_CHK
  std::vector<uint32_t> groups;      // multicast groups to join (event sockets only)
};

struct NetlinkSocket {
  UniqueFd fd;
  uint32_t port_id = 0;
  bool ext_ack = false;
  bool strict = false;
  bool cap_ack = false;
};

// Opens and configures a netlink socket in the calling thread's current network namespace: meant
// to run as an NsRunner job so that namespace is the one the caller asked for.
NetlinkSocket OpenNetlinkSocket(const NetlinkSocketOptions& opts, SysError& err);

// Sends `request` (whole netlink messages, built in TS) on a fresh NETLINK_ROUTE socket of the
// calling thread's namespace and returns the first `replies` datagrams the kernel answered with,
// one after another. Only for requests the kernel answers inside sendmsg (not dumps). The socket
// is closed before returning: kept open, it would keep its namespace alive. A namespace-thread
// job uses it to follow up on what it just made without a trip through the I/O thread, whose
// requests would wait for rtnl_lock in turn with the job's.
std::vector<uint8_t> NetlinkRoundTrip(const std::vector<uint8_t>& request, int replies, SysError& err);

}  // namespace vnetkit
