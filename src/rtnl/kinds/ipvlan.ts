// SPDX-License-Identifier: MIT
// ipvlan (IFLA_IPVLAN_*, linux/if_link.h): devices sharing their parent's MAC, told apart by IP.
// Types follow the kernel's ipvlan_nl_policy (drivers/net/ipvlan/ipvlan_main.c).

import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { defineKind, knownKeys, nameOf, oneOf } from './driver';

export const ipvlanAttrs = defineAttrs('ipvlan', {
  mode: { id: C.IFLA_IPVLAN_MODE, type: 'u16', orig: 'IFLA_IPVLAN_MODE' },
  flags: { id: C.IFLA_IPVLAN_FLAGS, type: 'u16', orig: 'IFLA_IPVLAN_FLAGS' },
});

const MODES = { l2: C.IPVLAN_MODE_L2, l3: C.IPVLAN_MODE_L3, l3s: C.IPVLAN_MODE_L3S } as const;
/** 'bridge' is no flag at all; 'private' and 'vepa' are IPVLAN_F_PRIVATE / IPVLAN_F_VEPA. */
const FLAGS = { bridge: 0, private: C.IPVLAN_F_PRIVATE, vepa: C.IPVLAN_F_VEPA } as const;

export interface IpvlanOptions {
  /** Where packets are switched: l2, l3 (default), l3s (l3 with netfilter). */
  mode?: keyof typeof MODES;
  /** How slaves of one parent reach each other: 'bridge' (default), 'private', 'vepa'. */
  flags?: keyof typeof FLAGS;
}

export interface IpvlanData {
  mode: keyof typeof MODES | number | undefined;
  flags: keyof typeof FLAGS | number | undefined;
}

export const ipvlan = defineKind<IpvlanOptions, IpvlanData>({
  kind: 'ipvlan',
  schema: ipvlanAttrs,
  needsParent: true,
  encode(o, at) {
    knownKeys(o, at, ['mode', 'flags']);
    const d: Values = {};
    if (o.mode !== undefined) d.mode = oneOf(o.mode, `${at}mode`, MODES);
    if (o.flags !== undefined) d.flags = oneOf(o.flags, `${at}flags`, FLAGS);
    return Object.keys(d).length ? d : undefined;
  },
  decode: (d) => ({ mode: nameOf(d.mode, MODES), flags: nameOf(d.flags ?? 0, FLAGS) }),
});
