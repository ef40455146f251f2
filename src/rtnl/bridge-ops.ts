// SPDX-License-Identifier: MIT
// Bridge requests beyond plain link ones: per-port VLANs, carried by AF_BRIDGE link messages whose
// IFLA_AF_SPEC nest holds IFLA_BRIDGE_* attributes (struct bridge_vlan_info per VLAN), as
// `bridge vlan add/del` sends them (RTM_SETLINK to add, RTM_DELLINK to delete).

import { encodeMessageBody, Values } from '../netlink/codec';
import { RequestBuilder } from '../netlink/message';
import { defineAttrs, defineStruct, MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { linkAttrs } from './link-attrs';
import { ifinfomsg } from './structs';

/** struct bridge_vlan_info (linux/if_bridge.h). */
export const bridgeVlanInfo = defineStruct('bridge_vlan_info', 4, [
  { name: 'flags', type: 'u16' },
  { name: 'vid', type: 'u16' },
]);

export const bridgeAfSpecAttrs = defineAttrs('bridge_af_spec', {
  flags: { id: C.IFLA_BRIDGE_FLAGS, type: 'u16', orig: 'IFLA_BRIDGE_FLAGS' },
  mode: { id: C.IFLA_BRIDGE_MODE, type: 'u16', orig: 'IFLA_BRIDGE_MODE' },
  vlanInfo: { id: C.IFLA_BRIDGE_VLAN_INFO, type: 'struct', struct: bridgeVlanInfo, multi: true, orig: 'IFLA_BRIDGE_VLAN_INFO' },
});

/** AF_BRIDGE link messages: the link attributes, with IFLA_AF_SPEC holding bridge attributes. */
export const bridgeLinkMessage: MessageSchema = {
  name: 'bridge_link',
  header: ifinfomsg,
  attrs: defineAttrs('bridge_link', {
    ...linkAttrs.attrs,
    afSpec: { id: C.IFLA_AF_SPEC, type: 'nest', attrs: () => bridgeAfSpecAttrs, orig: 'IFLA_AF_SPEC' },
  }),
};

export interface VlanEntry {
  vid: number;
  /** Ingress untagged frames get this VLAN. */
  pvid?: boolean;
  /** Egress frames of this VLAN leave untagged. */
  untagged?: boolean;
}

/**
 * RTM_SETLINK (add) or RTM_DELLINK (delete) of VLANs on a port (or, with `self`, on the bridge
 * device itself), exactly as iproute2's `bridge vlan add|del dev X vid N [pvid] [untagged] [self]`.
 */
export function vlanRequest(op: 'add' | 'delete', ifindex: number, vlans: VlanEntry[], self = false): RequestBuilder {
  const afSpec: Values = {};
  if (self) afSpec.flags = C.BRIDGE_FLAGS_SELF;
  afSpec.vlanInfo = vlans.map((v) => ({
    flags: (v.pvid ? C.BRIDGE_VLAN_INFO_PVID : 0) | (v.untagged ? C.BRIDGE_VLAN_INFO_UNTAGGED : 0),
    vid: v.vid,
  }));
  return new RequestBuilder(op === 'add' ? C.RTM_SETLINK : C.RTM_DELLINK, 0, (w) =>
    encodeMessageBody(bridgeLinkMessage, { family: C.AF_BRIDGE, type: 0, index: ifindex, flags: 0, change: 0 }, { afSpec }, w),
  );
}
