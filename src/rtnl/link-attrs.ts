// SPDX-License-Identifier: MIT
// IFLA_* (linux/if_link.h): the attributes of RTM_{NEW,SET,DEL,GET}LINK. Attributes this table does
// not describe are still decoded as unknown and re-emitted unchanged.

import { defineAttrs, MessageSchema, registerMessage } from '../netlink/schema';
import * as C from './constants';
import { linkInfoAttrs } from './link-info';
import { ifinfomsg, rtnlLinkStats64 } from './structs';

const propListAttrs = defineAttrs('prop_list', {
  altIfname: { id: C.IFLA_ALT_IFNAME, type: 'string', orig: 'IFLA_ALT_IFNAME', multi: true },
});

// IFLA_AF_SPEC of a link message: per address family, that family's per-link settings.
const inetAttrs = defineAttrs('af_inet', {
  conf: { id: C.IFLA_INET_CONF, type: 'binary', orig: 'IFLA_INET_CONF' },
});
const inet6Attrs = defineAttrs('af_inet6', {
  flags: { id: C.IFLA_INET6_FLAGS, type: 'u32', orig: 'IFLA_INET6_FLAGS' },
  conf: { id: C.IFLA_INET6_CONF, type: 'binary', orig: 'IFLA_INET6_CONF' },
  stats: { id: C.IFLA_INET6_STATS, type: 'binary', orig: 'IFLA_INET6_STATS' },
  mcast: { id: C.IFLA_INET6_MCAST, type: 'binary', orig: 'IFLA_INET6_MCAST' },
  cacheinfo: { id: C.IFLA_INET6_CACHEINFO, type: 'binary', orig: 'IFLA_INET6_CACHEINFO' },
  icmp6stats: { id: C.IFLA_INET6_ICMP6STATS, type: 'binary', orig: 'IFLA_INET6_ICMP6STATS' },
  token: { id: C.IFLA_INET6_TOKEN, type: 'binary', hint: 'ip', orig: 'IFLA_INET6_TOKEN' },
  addrGenMode: { id: C.IFLA_INET6_ADDR_GEN_MODE, type: 'u8', orig: 'IFLA_INET6_ADDR_GEN_MODE' },
  raMtu: { id: C.IFLA_INET6_RA_MTU, type: 'u32', orig: 'IFLA_INET6_RA_MTU' },
});
const afSpecAttrs = defineAttrs('af_spec', {
  inet: { id: C.AF_INET, type: 'nest', attrs: () => inetAttrs, orig: 'AF_INET' },
  inet6: { id: C.AF_INET6, type: 'nest', attrs: () => inet6Attrs, orig: 'AF_INET6' },
});

export const linkAttrs = defineAttrs('link', {
  address: { id: C.IFLA_ADDRESS, type: 'binary', hint: 'mac', orig: 'IFLA_ADDRESS' },
  broadcast: { id: C.IFLA_BROADCAST, type: 'binary', hint: 'mac', orig: 'IFLA_BROADCAST' },
  ifname: { id: C.IFLA_IFNAME, type: 'string', orig: 'IFLA_IFNAME' },
  mtu: { id: C.IFLA_MTU, type: 'u32', orig: 'IFLA_MTU' },
  link: { id: C.IFLA_LINK, type: 'u32', orig: 'IFLA_LINK' },
  qdisc: { id: C.IFLA_QDISC, type: 'string', orig: 'IFLA_QDISC' },
  stats: { id: C.IFLA_STATS, type: 'binary', orig: 'IFLA_STATS' },
  master: { id: C.IFLA_MASTER, type: 'u32', orig: 'IFLA_MASTER' },
  txqlen: { id: C.IFLA_TXQLEN, type: 'u32', orig: 'IFLA_TXQLEN' },
  map: { id: C.IFLA_MAP, type: 'binary', orig: 'IFLA_MAP' },
  operstate: { id: C.IFLA_OPERSTATE, type: 'u8', orig: 'IFLA_OPERSTATE' },
  linkmode: { id: C.IFLA_LINKMODE, type: 'u8', orig: 'IFLA_LINKMODE' },
  linkinfo: { id: C.IFLA_LINKINFO, type: 'nest', attrs: () => linkInfoAttrs, orig: 'IFLA_LINKINFO' },
  netNsPid: { id: C.IFLA_NET_NS_PID, type: 'u32', orig: 'IFLA_NET_NS_PID' },
  ifalias: { id: C.IFLA_IFALIAS, type: 'string', orig: 'IFLA_IFALIAS' },
  numVf: { id: C.IFLA_NUM_VF, type: 'u32', orig: 'IFLA_NUM_VF' },
  stats64: { id: C.IFLA_STATS64, type: 'struct', struct: rtnlLinkStats64, orig: 'IFLA_STATS64' },
  afSpec: { id: C.IFLA_AF_SPEC, type: 'nest', attrs: () => afSpecAttrs, orig: 'IFLA_AF_SPEC' },
  group: { id: C.IFLA_GROUP, type: 'u32', orig: 'IFLA_GROUP' },
  netNsFd: { id: C.IFLA_NET_NS_FD, type: 's32', orig: 'IFLA_NET_NS_FD' },
  extMask: { id: C.IFLA_EXT_MASK, type: 'u32', orig: 'IFLA_EXT_MASK' },
  promiscuity: { id: C.IFLA_PROMISCUITY, type: 'u32', orig: 'IFLA_PROMISCUITY' },
  numTxQueues: { id: C.IFLA_NUM_TX_QUEUES, type: 'u32', orig: 'IFLA_NUM_TX_QUEUES' },
  numRxQueues: { id: C.IFLA_NUM_RX_QUEUES, type: 'u32', orig: 'IFLA_NUM_RX_QUEUES' },
  carrier: { id: C.IFLA_CARRIER, type: 'u8', orig: 'IFLA_CARRIER' },
  physPortId: { id: C.IFLA_PHYS_PORT_ID, type: 'binary', orig: 'IFLA_PHYS_PORT_ID' },
  carrierChanges: { id: C.IFLA_CARRIER_CHANGES, type: 'u32', orig: 'IFLA_CARRIER_CHANGES' },
  physSwitchId: { id: C.IFLA_PHYS_SWITCH_ID, type: 'binary', orig: 'IFLA_PHYS_SWITCH_ID' },
  linkNetnsid: { id: C.IFLA_LINK_NETNSID, type: 's32', orig: 'IFLA_LINK_NETNSID' },
  physPortName: { id: C.IFLA_PHYS_PORT_NAME, type: 'string', orig: 'IFLA_PHYS_PORT_NAME' },
  protoDown: { id: C.IFLA_PROTO_DOWN, type: 'u8', orig: 'IFLA_PROTO_DOWN' },
  gsoMaxSegs: { id: C.IFLA_GSO_MAX_SEGS, type: 'u32', orig: 'IFLA_GSO_MAX_SEGS' },
  gsoMaxSize: { id: C.IFLA_GSO_MAX_SIZE, type: 'u32', orig: 'IFLA_GSO_MAX_SIZE' },
  xdp: { id: C.IFLA_XDP, type: 'binary', orig: 'IFLA_XDP' },
  event: { id: C.IFLA_EVENT, type: 'u32', orig: 'IFLA_EVENT' },
  newNetnsid: { id: C.IFLA_NEW_NETNSID, type: 's32', orig: 'IFLA_NEW_NETNSID' },
  targetNetnsid: { id: C.IFLA_TARGET_NETNSID, type: 's32', orig: 'IFLA_TARGET_NETNSID' },
  carrierUpCount: { id: C.IFLA_CARRIER_UP_COUNT, type: 'u32', orig: 'IFLA_CARRIER_UP_COUNT' },
  carrierDownCount: { id: C.IFLA_CARRIER_DOWN_COUNT, type: 'u32', orig: 'IFLA_CARRIER_DOWN_COUNT' },
  newIfindex: { id: C.IFLA_NEW_IFINDEX, type: 's32', orig: 'IFLA_NEW_IFINDEX' },
  minMtu: { id: C.IFLA_MIN_MTU, type: 'u32', orig: 'IFLA_MIN_MTU' },
  maxMtu: { id: C.IFLA_MAX_MTU, type: 'u32', orig: 'IFLA_MAX_MTU' },
  propList: { id: C.IFLA_PROP_LIST, type: 'nest', attrs: () => propListAttrs, nestedFlag: true, orig: 'IFLA_PROP_LIST' },
  permAddress: { id: C.IFLA_PERM_ADDRESS, type: 'binary', hint: 'mac', orig: 'IFLA_PERM_ADDRESS' },
  protoDownReason: { id: C.IFLA_PROTO_DOWN_REASON, type: 'binary', orig: 'IFLA_PROTO_DOWN_REASON' },
  parentDevName: { id: C.IFLA_PARENT_DEV_NAME, type: 'string', orig: 'IFLA_PARENT_DEV_NAME' },
  parentDevBusName: { id: C.IFLA_PARENT_DEV_BUS_NAME, type: 'string', orig: 'IFLA_PARENT_DEV_BUS_NAME' },
  groMaxSize: { id: C.IFLA_GRO_MAX_SIZE, type: 'u32', orig: 'IFLA_GRO_MAX_SIZE' },
  tsoMaxSize: { id: C.IFLA_TSO_MAX_SIZE, type: 'u32', orig: 'IFLA_TSO_MAX_SIZE' },
  tsoMaxSegs: { id: C.IFLA_TSO_MAX_SEGS, type: 'u32', orig: 'IFLA_TSO_MAX_SEGS' },
  allmulti: { id: C.IFLA_ALLMULTI, type: 'u32', orig: 'IFLA_ALLMULTI' },
  // Only in requests: a lookup by an alternative name (longer than IFNAMSIZ allows IFLA_IFNAME).
  altIfname: { id: C.IFLA_ALT_IFNAME, type: 'string', orig: 'IFLA_ALT_IFNAME' },
});

/** RTM_*LINK: struct ifinfomsg followed by IFLA_* attributes. */
export const linkMessage: MessageSchema = registerMessage({ name: 'link', header: ifinfomsg, attrs: linkAttrs });
