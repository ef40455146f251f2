// SPDX-License-Identifier: MIT
// veth (linux/veth.h): IFLA_INFO_DATA carries VETH_INFO_PEER, itself a whole link message
// (struct ifinfomsg + IFLA_* attributes) describing the other end. The peer's ifinfomsg can carry
// IFLA_NET_NS_FD so the peer is created directly in another namespace.

import { defineAttrs } from '../../netlink/schema';
import { VETH_INFO_PEER } from '../constants';
import { linkMessage } from '../link-attrs';

export const vethAttrs = defineAttrs('veth', {
  peer: { id: VETH_INFO_PEER, type: 'message', message: () => linkMessage, orig: 'VETH_INFO_PEER' },
});
