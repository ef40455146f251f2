// SPDX-License-Identifier: MIT
// What the IP tunnels (gre, gretap, ipip, sit) share: the UDP encapsulation (FOU/GUE) options and
// their decoded view. Not a kind itself.

import { Values } from '../../netlink/codec';
import * as C from '../constants';
import { bool, nameOf, oneOf, portOf } from './driver';

const ENCAP = { none: C.TUNNEL_ENCAP_NONE, fou: C.TUNNEL_ENCAP_FOU, gue: C.TUNNEL_ENCAP_GUE, mpls: C.TUNNEL_ENCAP_MPLS } as const;

/** Foo-over-UDP / Generic UDP Encapsulation of a tunnel's packets. */
export interface TunnelEncap {
  type: keyof typeof ENCAP;
  /** UDP source port (0: chosen per flow). */
  sport?: number;
  dport?: number;
  csum?: boolean;
  csum6?: boolean;
  remcsum?: boolean;
}

export interface TunnelEncapData {
  type: keyof typeof ENCAP | number | undefined;
  sport: number | undefined;
  dport: number | undefined;
  csum: boolean;
  csum6: boolean;
  remcsum: boolean;
}

/** The four ENCAP attributes, always together as iproute2 sends them; `keys` maps to the kind's attribute names. */
export function encodeEncap(e: TunnelEncap, at: string, d: Values): void {
  d.encapType = oneOf(e?.type, `${at}encap.type`, ENCAP);
  let flags = 0;
  if (e.csum !== undefined && bool(e.csum, `${at}encap.csum`)) flags |= C.TUNNEL_ENCAP_FLAG_CSUM;
  if (e.csum6 !== undefined && bool(e.csum6, `${at}encap.csum6`)) flags |= C.TUNNEL_ENCAP_FLAG_CSUM6;
  if (e.remcsum !== undefined && bool(e.remcsum, `${at}encap.remcsum`)) flags |= C.TUNNEL_ENCAP_FLAG_REMCSUM;
  d.encapFlags = flags;
  d.encapSport = e.sport === undefined ? 0 : portOf(e.sport, `${at}encap.sport`);
  d.encapDport = e.dport === undefined ? 0 : portOf(e.dport, `${at}encap.dport`);
}

export function decodeEncap(d: Values): TunnelEncapData | undefined {
  if (d.encapType === undefined) return undefined;
  const f = (d.encapFlags as number | undefined) ?? 0;
  return {
    type: nameOf(d.encapType, ENCAP),
    sport: d.encapSport as number | undefined,
    dport: d.encapDport as number | undefined,
    csum: (f & C.TUNNEL_ENCAP_FLAG_CSUM) !== 0,
    csum6: (f & C.TUNNEL_ENCAP_FLAG_CSUM6) !== 0,
    remcsum: (f & C.TUNNEL_ENCAP_FLAG_REMCSUM) !== 0,
  };
}

/** Encap attributes of a tunnel schema, by the kind's IFLA_*_ENCAP_* ids. */
export function encapAttrs(ids: { type: number; flags: number; sport: number; dport: number }, prefix: string) {
  return {
    encapType: { id: ids.type, type: 'u16', orig: `${prefix}ENCAP_TYPE` },
    encapFlags: { id: ids.flags, type: 'u16', orig: `${prefix}ENCAP_FLAGS` },
    encapSport: { id: ids.sport, type: 'u16', byteOrder: 'be', orig: `${prefix}ENCAP_SPORT` },
    encapDport: { id: ids.dport, type: 'u16', byteOrder: 'be', orig: `${prefix}ENCAP_DPORT` },
  } as const;
}
