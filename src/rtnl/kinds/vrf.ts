// SPDX-License-Identifier: MIT
// vrf (IFLA_VRF_*, linux/if_link.h): an L3 master device bound to a routing table.

import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { defineKind, knownKeys, uint } from './driver';

export const vrfAttrs = defineAttrs('vrf', {
  table: { id: C.IFLA_VRF_TABLE, type: 'u32', orig: 'IFLA_VRF_TABLE' },
});

export interface VrfOptions {
  /** Routing table of the VRF (1..2^32-1; the kernel requires one). */
  table: number;
}

export interface VrfData {
  table: number | undefined;
}

export const vrf = defineKind<VrfOptions, VrfData>({
  kind: 'vrf',
  schema: vrfAttrs,
  encode(o, at, change) {
    knownKeys(o, at, ['table']);
    if (change && o.table === undefined) return undefined;
    return { table: uint(o.table, `${at}table`, 1, 0xffffffff) };
  },
  decode: (d) => ({ table: d.table as number | undefined }),
});
