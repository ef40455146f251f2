// SPDX-License-Identifier: MIT
// IFA_* (linux/if_addr.h): the attributes of RTM_{NEW,DEL,GET}ADDR after struct ifaddrmsg.
// IFA_ADDRESS and IFA_LOCAL differ only on point-to-point links: IFA_LOCAL is this end, IFA_ADDRESS
// the peer (on other links both hold the interface address).

import { defineAttrs, MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { ifaCacheinfo, ifaddrmsg } from './structs';

export const addrAttrs = defineAttrs('addr', {
  address: { id: C.IFA_ADDRESS, type: 'binary', hint: 'ip', orig: 'IFA_ADDRESS' },
  local: { id: C.IFA_LOCAL, type: 'binary', hint: 'ip', orig: 'IFA_LOCAL' },
  label: { id: C.IFA_LABEL, type: 'string', orig: 'IFA_LABEL' },
  broadcast: { id: C.IFA_BROADCAST, type: 'binary', hint: 'ip', orig: 'IFA_BROADCAST' },
  anycast: { id: C.IFA_ANYCAST, type: 'binary', hint: 'ip', orig: 'IFA_ANYCAST' },
  cacheinfo: { id: C.IFA_CACHEINFO, type: 'struct', struct: ifaCacheinfo, orig: 'IFA_CACHEINFO' },
  multicast: { id: C.IFA_MULTICAST, type: 'binary', hint: 'ip', orig: 'IFA_MULTICAST' },
  /** All IFA_F_* flags; the header's u8 ifa_flags only holds the low eight. */
  flags: { id: C.IFA_FLAGS, type: 'u32', orig: 'IFA_FLAGS' },
  /** Metric of the prefix route the kernel adds with the address. */
  rtPriority: { id: C.IFA_RT_PRIORITY, type: 'u32', orig: 'IFA_RT_PRIORITY' },
  targetNetnsid: { id: C.IFA_TARGET_NETNSID, type: 's32', orig: 'IFA_TARGET_NETNSID' },
  /** IFAPROT_*: who added the address (kernel for lo, RA, link-local). */
  proto: { id: C.IFA_PROTO, type: 'u8', orig: 'IFA_PROTO' },
});

/** RTM_*ADDR: struct ifaddrmsg followed by IFA_* attributes. */
export const addrMessage: MessageSchema = { name: 'addr', header: ifaddrmsg, attrs: addrAttrs };
