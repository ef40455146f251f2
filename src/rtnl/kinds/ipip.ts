// SPDX-License-Identifier: MIT
// ipip (IFLA_IPTUN_*, linux/if_tunnel.h): IPv4 in IPv4 (or MPLS in IPv4). Types follow the
// kernel's ipip_policy (net/ipv4/ipip.c); sit shares the attribute set.

import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { bool, defineKind, DeviceRef, ifindex, ipOf, ipText, knownKeys, nameOf, on, oneOf, uint } from './driver';
import { decodeEncap, encapAttrs, encodeEncap, TunnelEncap, TunnelEncapData } from './tunnel';

export const iptunAttrs = defineAttrs('iptun', {
  link: { id: C.IFLA_IPTUN_LINK, type: 'u32', orig: 'IFLA_IPTUN_LINK' },
  local: { id: C.IFLA_IPTUN_LOCAL, type: 'binary', hint: 'ip', orig: 'IFLA_IPTUN_LOCAL' },
  remote: { id: C.IFLA_IPTUN_REMOTE, type: 'binary', hint: 'ip', orig: 'IFLA_IPTUN_REMOTE' },
  ttl: { id: C.IFLA_IPTUN_TTL, type: 'u8', orig: 'IFLA_IPTUN_TTL' },
  tos: { id: C.IFLA_IPTUN_TOS, type: 'u8', orig: 'IFLA_IPTUN_TOS' },
  flags: { id: C.IFLA_IPTUN_FLAGS, type: 'u16', orig: 'IFLA_IPTUN_FLAGS' },
  proto: { id: C.IFLA_IPTUN_PROTO, type: 'u8', orig: 'IFLA_IPTUN_PROTO' },
  pmtudisc: { id: C.IFLA_IPTUN_PMTUDISC, type: 'u8', orig: 'IFLA_IPTUN_PMTUDISC' },
  ...encapAttrs({ type: C.IFLA_IPTUN_ENCAP_TYPE, flags: C.IFLA_IPTUN_ENCAP_FLAGS, sport: C.IFLA_IPTUN_ENCAP_SPORT, dport: C.IFLA_IPTUN_ENCAP_DPORT }, 'IFLA_IPTUN_'),
  collectMetadata: { id: C.IFLA_IPTUN_COLLECT_METADATA, type: 'flag', orig: 'IFLA_IPTUN_COLLECT_METADATA' },
  fwmark: { id: C.IFLA_IPTUN_FWMARK, type: 'u32', orig: 'IFLA_IPTUN_FWMARK' },
});

/** Inner protocols: 'any' is 0, what iproute2 sends when none is named. */
export const IPTUN_PROTOS = { any: 0, ipip: C.IPPROTO_IPIP, ipv6: C.IPPROTO_IPV6, mpls: C.IPPROTO_MPLS } as const;

export interface IpTunnelOptions {
  local?: string;
  remote?: string;
  /** 0 (the default): inherit from the inner packet. */
  ttl?: number;
  tos?: number;
  /** Inner protocol (ipip: 'ipip' by default; 'any' accepts IPv4 and MPLS). */
  proto?: keyof typeof IPTUN_PROTOS;
  pmtudisc?: boolean;
  /** Underlay device (a Link, name or index; 0: none). */
  dev?: DeviceRef;
  fwmark?: number;
  encap?: TunnelEncap;
}

export interface IpTunnelData {
  local?: string;
  remote?: string;
  ttl: number | undefined;
  tos: number | undefined;
  proto: keyof typeof IPTUN_PROTOS | number | undefined;
  pmtudisc: boolean;
  dev?: number;
  fwmark: number | undefined;
  encap?: TunnelEncapData;
}

export const IPTUN_KEYS = ['local', 'remote', 'ttl', 'tos', 'proto', 'pmtudisc', 'dev', 'fwmark', 'encap'] as const;

/** Shared with sit; attributes in iproute2's order (link_iptnl.c). */
export function encodeIpTunnel(o: IpTunnelOptions, at: string, d: Values = {}): Values {
  if (o.proto !== undefined) d.proto = oneOf(o.proto, `${at}proto`, IPTUN_PROTOS);
  if (o.local !== undefined) d.local = ipOf(o.local, `${at}local`, 4);
  if (o.remote !== undefined) d.remote = ipOf(o.remote, `${at}remote`, 4);
  if (o.pmtudisc !== undefined) d.pmtudisc = bool(o.pmtudisc, `${at}pmtudisc`);
  if (o.tos !== undefined) d.tos = uint(o.tos, `${at}tos`, 0, 255);
  if (o.ttl !== undefined) d.ttl = uint(o.ttl, `${at}ttl`, 0, 255);
  if (o.dev !== undefined) d.link = ifindex(o.dev, `${at}dev`, true);
  if (o.fwmark !== undefined) d.fwmark = uint(o.fwmark, `${at}fwmark`, 0, 0xffffffff);
  if (o.encap !== undefined) encodeEncap(o.encap, at, d);
  return d;
}

export function decodeIpTunnel(d: Values): IpTunnelData {
  const out: IpTunnelData = {
    ttl: d.ttl as number | undefined,
    tos: d.tos as number | undefined,
    proto: nameOf(d.proto, IPTUN_PROTOS),
    pmtudisc: on(d.pmtudisc),
    fwmark: d.fwmark as number | undefined,
  };
  const local = ipText(d.local);
  const remote = ipText(d.remote);
  if (local !== undefined) out.local = local;
  if (remote !== undefined) out.remote = remote;
  if (d.link !== undefined && d.link !== 0) out.dev = d.link as number;
  const encap = decodeEncap(d);
  if (encap) out.encap = encap;
  return out;
}

export const ipip = defineKind<IpTunnelOptions, IpTunnelData>({
  kind: 'ipip',
  schema: iptunAttrs,
  deviceOptions: ['dev'],
  encode(o, at) {
    knownKeys(o, at, IPTUN_KEYS);
    return encodeIpTunnel(o, at);
  },
  decode: decodeIpTunnel,
});
