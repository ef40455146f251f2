// SPDX-License-Identifier: MIT
// NDA_* (linux/neighbour.h): the attributes of RTM_{NEW,DEL,GET}NEIGH after struct ndmsg. The same
// messages carry bridge FDB entries (family AF_BRIDGE), hence the VLAN/VNI/port attributes.

import { defineAttrs, defineStruct, MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { ndmsg } from './structs';

/** struct nda_cacheinfo (neighbour.h): ages in clock ticks (USER_HZ). */
export const ndaCacheinfo = defineStruct('nda_cacheinfo', 16, [
  { name: 'confirmed', type: 'u32' },
  { name: 'used', type: 'u32' },
  { name: 'updated', type: 'u32' },
  { name: 'refcnt', type: 'u32' },
]);

export const neighAttrs = defineAttrs('neigh', {
  dst: { id: C.NDA_DST, type: 'binary', hint: 'ip', orig: 'NDA_DST' },
  lladdr: { id: C.NDA_LLADDR, type: 'binary', hint: 'mac', orig: 'NDA_LLADDR' },
  cacheinfo: { id: C.NDA_CACHEINFO, type: 'struct', struct: ndaCacheinfo, orig: 'NDA_CACHEINFO' },
  probes: { id: C.NDA_PROBES, type: 'u32', orig: 'NDA_PROBES' },
  vlan: { id: C.NDA_VLAN, type: 'u16', orig: 'NDA_VLAN' },
  port: { id: C.NDA_PORT, type: 'u16', byteOrder: 'be', orig: 'NDA_PORT' },
  vni: { id: C.NDA_VNI, type: 'u32', orig: 'NDA_VNI' },
  /** In a dump request: only entries of this interface (strict checking). */
  ifindex: { id: C.NDA_IFINDEX, type: 'u32', orig: 'NDA_IFINDEX' },
  master: { id: C.NDA_MASTER, type: 'u32', orig: 'NDA_MASTER' },
  linkNetnsid: { id: C.NDA_LINK_NETNSID, type: 's32', orig: 'NDA_LINK_NETNSID' },
  srcVni: { id: C.NDA_SRC_VNI, type: 'u32', orig: 'NDA_SRC_VNI' },
  protocol: { id: C.NDA_PROTOCOL, type: 'u8', orig: 'NDA_PROTOCOL' },
  nhId: { id: C.NDA_NH_ID, type: 'u32', orig: 'NDA_NH_ID' },
  fdbExtAttrs: { id: C.NDA_FDB_EXT_ATTRS, type: 'binary', orig: 'NDA_FDB_EXT_ATTRS' },
  flagsExt: { id: C.NDA_FLAGS_EXT, type: 'u32', orig: 'NDA_FLAGS_EXT' },
  ndmStateMask: { id: C.NDA_NDM_STATE_MASK, type: 'u16', orig: 'NDA_NDM_STATE_MASK' },
  ndmFlagsMask: { id: C.NDA_NDM_FLAGS_MASK, type: 'u8', orig: 'NDA_NDM_FLAGS_MASK' },
});

/** RTM_*NEIGH: struct ndmsg followed by NDA_* attributes. */
export const neighMessage: MessageSchema = { name: 'neigh', header: ndmsg, attrs: neighAttrs };
