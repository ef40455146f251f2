// SPDX-License-Identifier: MIT
// vlan (IFLA_VLAN_*, linux/if_link.h): 802.1Q / 802.1ad tagged sub-interfaces of a parent. Types
// follow the kernel's vlan_policy (net/8021q/vlan_netlink.c).

import { Values } from '../../netlink/codec';
import { defineAttrs, defineStruct } from '../../netlink/schema';
import * as C from '../constants';
import { bool, defineKind, knownKeys, nameOf, oneOf, uint } from './driver';

/** struct ifla_vlan_flags: which VLAN_FLAG_* bits to change (mask) and to what (flags). */
const vlanFlags = defineStruct('ifla_vlan_flags', 8, [
  { name: 'flags', type: 'u32' },
  { name: 'mask', type: 'u32' },
]);

export const vlanAttrs = defineAttrs('vlan', {
  id: { id: C.IFLA_VLAN_ID, type: 'u16', orig: 'IFLA_VLAN_ID' },
  flags: { id: C.IFLA_VLAN_FLAGS, type: 'struct', struct: vlanFlags, orig: 'IFLA_VLAN_FLAGS' },
  egressQos: { id: C.IFLA_VLAN_EGRESS_QOS, type: 'binary', orig: 'IFLA_VLAN_EGRESS_QOS' },
  ingressQos: { id: C.IFLA_VLAN_INGRESS_QOS, type: 'binary', orig: 'IFLA_VLAN_INGRESS_QOS' },
  protocol: { id: C.IFLA_VLAN_PROTOCOL, type: 'u16', byteOrder: 'be', orig: 'IFLA_VLAN_PROTOCOL' },
});

const PROTOCOLS = { '802.1q': C.ETH_P_8021Q, '802.1ad': C.ETH_P_8021AD } as const;
export type VlanProtocol = keyof typeof PROTOCOLS;

const FLAG_BITS = {
  reorderHdr: C.VLAN_FLAG_REORDER_HDR,
  gvrp: C.VLAN_FLAG_GVRP,
  looseBinding: C.VLAN_FLAG_LOOSE_BINDING,
  mvrp: C.VLAN_FLAG_MVRP,
  bridgeBinding: C.VLAN_FLAG_BRIDGE_BINDING,
} as const;
type FlagName = keyof typeof FLAG_BITS;

export interface VlanOptions extends Partial<Record<FlagName, boolean>> {
  /** VLAN id, 0..4094. */
  id: number;
  /** Tag protocol (default '802.1q'). */
  protocol?: VlanProtocol;
}

export interface VlanData extends Record<FlagName, boolean> {
  id: number | undefined;
  protocol: VlanProtocol | number | undefined;
}

export const vlan = defineKind<VlanOptions, VlanData>({
  kind: 'vlan',
  schema: vlanAttrs,
  needsParent: true,
  // iproute2's order: protocol, id, then the flags it gathered.
  encode(o, at, change) {
    knownKeys(o, at, ['id', 'protocol', ...Object.keys(FLAG_BITS)]);
    const d: Values = {};
    if (o.protocol !== undefined) d.protocol = oneOf(o.protocol, `${at}protocol`, PROTOCOLS);
    if (o.id !== undefined || !change) d.id = uint(o.id, `${at}id`, 0, 4094);
    let flags = 0;
    let mask = 0;
    for (const k of Object.keys(FLAG_BITS) as FlagName[]) {
      if (o[k] === undefined) continue;
      mask |= FLAG_BITS[k];
      if (bool(o[k], `${at}${k}`)) flags |= FLAG_BITS[k];
    }
    if (mask) d.flags = { flags, mask };
    return d;
  },
  decode(d) {
    const f = ((d.flags as Values | undefined)?.flags as number | undefined) ?? 0;
    const out = { id: d.id as number | undefined, protocol: nameOf(d.protocol, PROTOCOLS) } as VlanData;
    for (const k of Object.keys(FLAG_BITS) as FlagName[]) out[k] = (f & FLAG_BITS[k]) !== 0;
    return out;
  },
});
