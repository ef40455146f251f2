// SPDX-License-Identifier: MIT
// RTA_* (linux/rtnetlink.h): the attributes of RTM_{NEW,DEL,GET}ROUTE after struct rtmsg, with the
// RTAX_* metrics nest. RTA_MULTIPATH is a run of struct rtnexthop, each followed by RTA_*
// attributes of its own; the schema vocabulary has no such shape, so it stays binary here and
// route-ops.ts splits it.

import { defineAttrs, defineStruct, MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { rtmsg } from './structs';

/** struct rta_cacheinfo (rtnetlink.h); rta_expires is signed (negative once expired). */
export const rtaCacheinfo = defineStruct('rta_cacheinfo', 32, [
  { name: 'clntref', type: 'u32' },
  { name: 'lastuse', type: 'u32' },
  { name: 'expires', type: 's32' },
  { name: 'error', type: 'u32' },
  { name: 'used', type: 'u32' },
  { name: 'id', type: 'u32' },
  { name: 'ts', type: 'u32' },
  { name: 'tsage', type: 'u32' },
]);

/** struct rtnexthop (rtnetlink.h): one hop of RTA_MULTIPATH, followed by its own RTA_* attributes. */
export const rtnexthop = defineStruct('rtnexthop', 8, [
  { name: 'len', type: 'u16' },
  { name: 'flags', type: 'u8' },
  { name: 'hops', type: 'u8' },
  { name: 'ifindex', type: 's32' },
]);

export const metricsAttrs = defineAttrs('metrics', {
  lock: { id: C.RTAX_LOCK, type: 'u32', orig: 'RTAX_LOCK' },
  mtu: { id: C.RTAX_MTU, type: 'u32', orig: 'RTAX_MTU' },
  window: { id: C.RTAX_WINDOW, type: 'u32', orig: 'RTAX_WINDOW' },
  rtt: { id: C.RTAX_RTT, type: 'u32', orig: 'RTAX_RTT' },
  rttvar: { id: C.RTAX_RTTVAR, type: 'u32', orig: 'RTAX_RTTVAR' },
  ssthresh: { id: C.RTAX_SSTHRESH, type: 'u32', orig: 'RTAX_SSTHRESH' },
  cwnd: { id: C.RTAX_CWND, type: 'u32', orig: 'RTAX_CWND' },
  advmss: { id: C.RTAX_ADVMSS, type: 'u32', orig: 'RTAX_ADVMSS' },
  reordering: { id: C.RTAX_REORDERING, type: 'u32', orig: 'RTAX_REORDERING' },
  hoplimit: { id: C.RTAX_HOPLIMIT, type: 'u32', orig: 'RTAX_HOPLIMIT' },
  initcwnd: { id: C.RTAX_INITCWND, type: 'u32', orig: 'RTAX_INITCWND' },
  features: { id: C.RTAX_FEATURES, type: 'u32', orig: 'RTAX_FEATURES' },
  rtoMin: { id: C.RTAX_RTO_MIN, type: 'u32', orig: 'RTAX_RTO_MIN' },
  initrwnd: { id: C.RTAX_INITRWND, type: 'u32', orig: 'RTAX_INITRWND' },
  quickack: { id: C.RTAX_QUICKACK, type: 'u32', orig: 'RTAX_QUICKACK' },
  ccAlgo: { id: C.RTAX_CC_ALGO, type: 'string', orig: 'RTAX_CC_ALGO' },
  fastopenNoCookie: { id: C.RTAX_FASTOPEN_NO_COOKIE, type: 'u32', orig: 'RTAX_FASTOPEN_NO_COOKIE' },
});

export const routeAttrs = defineAttrs('route', {
  dst: { id: C.RTA_DST, type: 'binary', hint: 'ip', orig: 'RTA_DST' },
  src: { id: C.RTA_SRC, type: 'binary', hint: 'ip', orig: 'RTA_SRC' },
  iif: { id: C.RTA_IIF, type: 'u32', orig: 'RTA_IIF' },
  oif: { id: C.RTA_OIF, type: 'u32', orig: 'RTA_OIF' },
  gateway: { id: C.RTA_GATEWAY, type: 'binary', hint: 'ip', orig: 'RTA_GATEWAY' },
  priority: { id: C.RTA_PRIORITY, type: 'u32', orig: 'RTA_PRIORITY' },
  prefsrc: { id: C.RTA_PREFSRC, type: 'binary', hint: 'ip', orig: 'RTA_PREFSRC' },
  // iproute2 and the kernel send it without NLA_F_NESTED; so do we (the golden bytes check it).
  metrics: { id: C.RTA_METRICS, type: 'nest', attrs: () => metricsAttrs, orig: 'RTA_METRICS' },
  multipath: { id: C.RTA_MULTIPATH, type: 'binary', orig: 'RTA_MULTIPATH' },
  flow: { id: C.RTA_FLOW, type: 'u32', orig: 'RTA_FLOW' },
  cacheinfo: { id: C.RTA_CACHEINFO, type: 'struct', struct: rtaCacheinfo, orig: 'RTA_CACHEINFO' },
  /** The full table id; rtm_table only holds ids below 256. */
  table: { id: C.RTA_TABLE, type: 'u32', orig: 'RTA_TABLE' },
  mark: { id: C.RTA_MARK, type: 'u32', orig: 'RTA_MARK' },
  mfcStats: { id: C.RTA_MFC_STATS, type: 'binary', orig: 'RTA_MFC_STATS' },
  /** struct rtvia: a u16 address family, then the address (an IPv4 route via an IPv6 gateway). */
  via: { id: C.RTA_VIA, type: 'binary', orig: 'RTA_VIA' },
  newdst: { id: C.RTA_NEWDST, type: 'binary', orig: 'RTA_NEWDST' },
  /** IPv6 router preference (ICMPV6_ROUTER_PREF_*). */
  pref: { id: C.RTA_PREF, type: 'u8', orig: 'RTA_PREF' },
  encapType: { id: C.RTA_ENCAP_TYPE, type: 'u16', orig: 'RTA_ENCAP_TYPE' },
  encap: { id: C.RTA_ENCAP, type: 'binary', orig: 'RTA_ENCAP' },
  expires: { id: C.RTA_EXPIRES, type: 'u32', orig: 'RTA_EXPIRES' },
  pad: { id: C.RTA_PAD, type: 'binary', orig: 'RTA_PAD' },
  uid: { id: C.RTA_UID, type: 'u32', orig: 'RTA_UID' },
  ttlPropagate: { id: C.RTA_TTL_PROPAGATE, type: 'u8', orig: 'RTA_TTL_PROPAGATE' },
  ipProto: { id: C.RTA_IP_PROTO, type: 'u8', orig: 'RTA_IP_PROTO' },
  sport: { id: C.RTA_SPORT, type: 'u16', byteOrder: 'be', orig: 'RTA_SPORT' },
  dport: { id: C.RTA_DPORT, type: 'u16', byteOrder: 'be', orig: 'RTA_DPORT' },
  nhId: { id: C.RTA_NH_ID, type: 'u32', orig: 'RTA_NH_ID' },
});

/** RTM_*ROUTE: struct rtmsg followed by RTA_* attributes. */
export const routeMessage: MessageSchema = { name: 'route', header: rtmsg, attrs: routeAttrs };
