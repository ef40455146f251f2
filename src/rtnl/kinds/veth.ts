// SPDX-License-Identifier: MIT
// veth (linux/veth.h): IFLA_INFO_DATA carries VETH_INFO_PEER, itself a whole link message
// (struct ifinfomsg + IFLA_* attributes) describing the other end. The peer's ifinfomsg can carry
// IFLA_NET_NS_FD so the peer is created directly in another namespace.
//
// Every end is created with IFLA_NUM_TX_QUEUES = IFLA_NUM_RX_QUEUES = 1 unless asked otherwise:
// left unsaid the kernel allocates one queue per possible CPU and veth_init_queues trims each end
// back with an RCU synchronization under rtnl_lock (~0.1 ms per end; docs/design.md).

import { InvalidArgumentError } from '../../errors';
import { defineAttrs, messageNamed } from '../../netlink/schema';
import { VETH_INFO_PEER } from '../constants';
import { commonLinkAttrs, LinkBasics } from '../link-common';
import { defineKind } from './driver';

export const vethAttrs = defineAttrs('veth', {
  // The link message (rtnl/link-attrs.ts), by name: it contains this set through IFLA_LINKINFO.
  peer: { id: VETH_INFO_PEER, type: 'message', message: messageNamed('link'), orig: 'VETH_INFO_PEER' },
});

/** The other end of a veth, as created with it. */
export interface VethPeerSpec extends LinkBasics {
  /** @internal Namespace fd the peer is created in (IFLA_NET_NS_FD), held open by the caller. */
  netNsFd?: number;
}

export interface VethOptions {
  peer: VethPeerSpec;
}

/** The kernel sends no VETH_INFO_PEER when it reports a veth; `link.peer()` finds the other end. */
export type VethData = Record<string, never>;

export const veth = defineKind<VethOptions, VethData>({
  kind: 'veth',
  schema: vethAttrs,
  defaultQueues: 1,
  // Errors name `peer.*`, not `data.peer.*`: both Link.create and VethPair.create take `peer` at
  // the top level.
  encode(o, _at, change) {
    if (change) throw new InvalidArgumentError('data', o, 'a veth has no options to change (set each end itself)');
    const peer = o?.peer;
    if (!peer || typeof peer !== 'object') throw new InvalidArgumentError('peer', peer, 'a veth needs peer: { name }');
    const attrs = commonLinkAttrs(peer, 'peer.', 1);
    if (peer.netNsFd !== undefined) attrs.netNsFd = peer.netNsFd;
    return { peer: { header: {}, attrs } };
  },
  decode: () => ({}),
});
