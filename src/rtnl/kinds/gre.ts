// SPDX-License-Identifier: MIT
// gre (IFLA_GRE_*, linux/if_tunnel.h): IPv4 GRE, layer 3. Types follow the kernel's
// ipgre_policy (net/ipv4/ip_gre.c). Keys travel big-endian; GRE_KEY in i/oflags says one is set.

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { bool, defineKind, DeviceRef, ifindex, ipOf, ipText, knownKeys, on, uint } from './driver';
import { decodeEncap, encapAttrs, encodeEncap, TunnelEncap, TunnelEncapData } from './tunnel';

export const greAttrs = defineAttrs('gre', {
  link: { id: C.IFLA_GRE_LINK, type: 'u32', orig: 'IFLA_GRE_LINK' },
  iflags: { id: C.IFLA_GRE_IFLAGS, type: 'u16', byteOrder: 'be', orig: 'IFLA_GRE_IFLAGS' },
  oflags: { id: C.IFLA_GRE_OFLAGS, type: 'u16', byteOrder: 'be', orig: 'IFLA_GRE_OFLAGS' },
  ikey: { id: C.IFLA_GRE_IKEY, type: 'u32', byteOrder: 'be', orig: 'IFLA_GRE_IKEY' },
  okey: { id: C.IFLA_GRE_OKEY, type: 'u32', byteOrder: 'be', orig: 'IFLA_GRE_OKEY' },
  local: { id: C.IFLA_GRE_LOCAL, type: 'binary', hint: 'ip', orig: 'IFLA_GRE_LOCAL' },
  remote: { id: C.IFLA_GRE_REMOTE, type: 'binary', hint: 'ip', orig: 'IFLA_GRE_REMOTE' },
  ttl: { id: C.IFLA_GRE_TTL, type: 'u8', orig: 'IFLA_GRE_TTL' },
  tos: { id: C.IFLA_GRE_TOS, type: 'u8', orig: 'IFLA_GRE_TOS' },
  pmtudisc: { id: C.IFLA_GRE_PMTUDISC, type: 'u8', orig: 'IFLA_GRE_PMTUDISC' },
  ...encapAttrs({ type: C.IFLA_GRE_ENCAP_TYPE, flags: C.IFLA_GRE_ENCAP_FLAGS, sport: C.IFLA_GRE_ENCAP_SPORT, dport: C.IFLA_GRE_ENCAP_DPORT }, 'IFLA_GRE_'),
  collectMetadata: { id: C.IFLA_GRE_COLLECT_METADATA, type: 'flag', orig: 'IFLA_GRE_COLLECT_METADATA' },
  ignoreDf: { id: C.IFLA_GRE_IGNORE_DF, type: 'u8', orig: 'IFLA_GRE_IGNORE_DF' },
  fwmark: { id: C.IFLA_GRE_FWMARK, type: 'u32', orig: 'IFLA_GRE_FWMARK' },
});

export interface GreOptions {
  local?: string;
  remote?: string;
  /** 0 (the default): inherit from the inner packet. */
  ttl?: number;
  tos?: number;
  /** Key of both directions; `ikey` / `okey` set one each. */
  key?: number;
  ikey?: number;
  okey?: number;
  /** Path MTU discovery (kernel default: on). */
  pmtudisc?: boolean;
  /** Underlay device (a Link, name or index; 0: none). */
  dev?: DeviceRef;
  fwmark?: number;
  encap?: TunnelEncap;
}

export interface GreData {
  local?: string;
  remote?: string;
  ttl: number | undefined;
  tos: number | undefined;
  ikey?: number;
  okey?: number;
  pmtudisc: boolean;
  dev?: number;
  fwmark: number | undefined;
  encap?: TunnelEncapData;
}

const KEYS = ['local', 'remote', 'ttl', 'tos', 'key', 'ikey', 'okey', 'pmtudisc', 'dev', 'fwmark', 'encap'] as const;
const u32 = (v: unknown, arg: string) => uint(v, arg, 0, 0xffffffff);

/** Shared with gretap (same IFLA_GRE_* data); attributes in iproute2's order (link_gre.c). */
export function encodeGre(o: GreOptions, at: string): Values {
  knownKeys(o, at, KEYS);
  const d: Values = {};
  if (o.key !== undefined && (o.ikey !== undefined || o.okey !== undefined)) throw new InvalidArgumentError(`${at}key`, o.key, 'give key, or ikey/okey, not both');
  const ikey = o.key ?? o.ikey;
  const okey = o.key ?? o.okey;
  if (ikey !== undefined || okey !== undefined) {
    d.ikey = ikey === undefined ? 0 : u32(ikey, `${at}${o.key !== undefined ? 'key' : 'ikey'}`);
    d.okey = okey === undefined ? 0 : u32(okey, `${at}${o.key !== undefined ? 'key' : 'okey'}`);
    d.iflags = ikey === undefined ? 0 : C.GRE_KEY;
    d.oflags = okey === undefined ? 0 : C.GRE_KEY;
  }
  if (o.local !== undefined) d.local = ipOf(o.local, `${at}local`, 4);
  if (o.remote !== undefined) d.remote = ipOf(o.remote, `${at}remote`, 4);
  if (o.pmtudisc !== undefined) d.pmtudisc = bool(o.pmtudisc, `${at}pmtudisc`);
  if (o.tos !== undefined) d.tos = uint(o.tos, `${at}tos`, 0, 255);
  if (o.dev !== undefined && o.dev !== 0) d.link = ifindex(o.dev, `${at}dev`);
  if (o.ttl !== undefined) d.ttl = uint(o.ttl, `${at}ttl`, 0, 255);
  if (o.fwmark !== undefined) d.fwmark = u32(o.fwmark, `${at}fwmark`);
  if (o.encap !== undefined) encodeEncap(o.encap, at, d);
  return d;
}

export function decodeGre(d: Values): GreData {
  const out: GreData = { ttl: d.ttl as number | undefined, tos: d.tos as number | undefined, pmtudisc: on(d.pmtudisc), fwmark: d.fwmark as number | undefined };
  const local = ipText(d.local);
  const remote = ipText(d.remote);
  if (local !== undefined) out.local = local;
  if (remote !== undefined) out.remote = remote;
  if (((d.iflags as number) ?? 0) & C.GRE_KEY) out.ikey = d.ikey as number;
  if (((d.oflags as number) ?? 0) & C.GRE_KEY) out.okey = d.okey as number;
  if (d.link !== undefined && d.link !== 0) out.dev = d.link as number;
  const encap = decodeEncap(d);
  if (encap) out.encap = encap;
  return out;
}

export const gre = defineKind<GreOptions, GreData>({
  kind: 'gre',
  schema: greAttrs,
  deviceOptions: ['dev'],
  encode: encodeGre,
  decode: decodeGre,
});
