// SPDX-License-Identifier: MIT
// Fixed C structs of rtnetlink, as declared in the UAPI headers (linux/rtnetlink.h, if_link.h,
// if_addr.h, neighbour.h). Sizes are checked by defineStruct; longer kernel structs are tolerated.

import { defineStruct } from '../netlink/schema';

/** struct ifinfomsg (rtnetlink.h). */
export const ifinfomsg = defineStruct('ifinfomsg', 16, [
  { name: 'family', type: 'u8' },
  { name: '_pad', type: 'pad', size: 1 },
  { name: 'type', type: 'u16' },
  { name: 'index', type: 's32' },
  { name: 'flags', type: 'u32' },
  { name: 'change', type: 'u32' },
]);

/** struct ifaddrmsg (if_addr.h). */
export const ifaddrmsg = defineStruct('ifaddrmsg', 8, [
  { name: 'family', type: 'u8' },
  { name: 'prefixlen', type: 'u8' },
  { name: 'flags', type: 'u8' },
  { name: 'scope', type: 'u8' },
  { name: 'index', type: 'u32' },
]);

/** struct rtmsg (rtnetlink.h). */
export const rtmsg = defineStruct('rtmsg', 12, [
  { name: 'family', type: 'u8' },
  { name: 'dstLen', type: 'u8' },
  { name: 'srcLen', type: 'u8' },
  { name: 'tos', type: 'u8' },
  { name: 'table', type: 'u8' },
  { name: 'protocol', type: 'u8' },
  { name: 'scope', type: 'u8' },
  { name: 'type', type: 'u8' },
  { name: 'flags', type: 'u32' },
]);

/** struct ndmsg (neighbour.h). */
export const ndmsg = defineStruct('ndmsg', 12, [
  { name: 'family', type: 'u8' },
  { name: '_pad1', type: 'pad', size: 1 },
  { name: '_pad2', type: 'pad', size: 2 },
  { name: 'ifindex', type: 's32' },
  { name: 'state', type: 'u16' },
  { name: 'flags', type: 'u8' },
  { name: 'type', type: 'u8' },
]);

/** struct rtgenmsg / the nsid messages' header (net_namespace.h uses struct rtgenmsg). */
export const rtgenmsg = defineStruct('rtgenmsg', 1, [{ name: 'family', type: 'u8' }]);

/** struct rtnl_link_stats64 (if_link.h). The kernel has grown it before; extra fields are kept. */
export const rtnlLinkStats64 = defineStruct('rtnl_link_stats64', 200, [
  { name: 'rxPackets', type: 'u64' },
  { name: 'txPackets', type: 'u64' },
  { name: 'rxBytes', type: 'u64' },
  { name: 'txBytes', type: 'u64' },
  { name: 'rxErrors', type: 'u64' },
  { name: 'txErrors', type: 'u64' },
  { name: 'rxDropped', type: 'u64' },
  { name: 'txDropped', type: 'u64' },
  { name: 'multicast', type: 'u64' },
  { name: 'collisions', type: 'u64' },
  { name: 'rxLengthErrors', type: 'u64' },
  { name: 'rxOverErrors', type: 'u64' },
  { name: 'rxCrcErrors', type: 'u64' },
  { name: 'rxFrameErrors', type: 'u64' },
  { name: 'rxFifoErrors', type: 'u64' },
  { name: 'rxMissedErrors', type: 'u64' },
  { name: 'txAbortedErrors', type: 'u64' },
  { name: 'txCarrierErrors', type: 'u64' },
  { name: 'txFifoErrors', type: 'u64' },
  { name: 'txHeartbeatErrors', type: 'u64' },
  { name: 'txWindowErrors', type: 'u64' },
  { name: 'rxCompressed', type: 'u64' },
  { name: 'txCompressed', type: 'u64' },
  { name: 'rxNohandler', type: 'u64' },
  { name: 'rxOtherhostDropped', type: 'u64' },
]);

/** struct ifa_cacheinfo (if_addr.h). */
export const ifaCacheinfo = defineStruct('ifa_cacheinfo', 16, [
  { name: 'preferred', type: 'u32' },
  { name: 'valid', type: 'u32' },
  { name: 'cstamp', type: 'u32' },
  { name: 'tstamp', type: 'u32' },
]);
