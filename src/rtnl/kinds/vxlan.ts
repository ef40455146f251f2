// SPDX-License-Identifier: MIT
// vxlan (IFLA_VXLAN_*, linux/if_link.h): L2 over UDP. Types follow the kernel's vxlan_policy
// (drivers/net/vxlan/vxlan_core.c). A unicast `remote` and a multicast `group` are the same
// attribute (IFLA_VXLAN_GROUP / GROUP6); the address tells them apart.

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import { defineAttrs, defineStruct } from '../../netlink/schema';
import * as C from '../constants';
import { bool, defineKind, DeviceRef, ifindex, ipOf, ipText, knownKeys, nameOf, on, oneOf, portOf, ttlOf, uint } from './driver';

const portRange = defineStruct('ifla_vxlan_port_range', 4, [
  { name: 'low', type: 'u16', byteOrder: 'be' },
  { name: 'high', type: 'u16', byteOrder: 'be' },
]);

const ip = (id: number, orig: string) => ({ id, type: 'binary', hint: 'ip', orig }) as const;
const u8 = (id: number, orig: string) => ({ id, type: 'u8', orig }) as const;

export const vxlanAttrs = defineAttrs('vxlan', {
  id: { id: C.IFLA_VXLAN_ID, type: 'u32', orig: 'IFLA_VXLAN_ID' },
  group: ip(C.IFLA_VXLAN_GROUP, 'IFLA_VXLAN_GROUP'),
  link: { id: C.IFLA_VXLAN_LINK, type: 'u32', orig: 'IFLA_VXLAN_LINK' },
  local: ip(C.IFLA_VXLAN_LOCAL, 'IFLA_VXLAN_LOCAL'),
  ttl: u8(C.IFLA_VXLAN_TTL, 'IFLA_VXLAN_TTL'),
  tos: u8(C.IFLA_VXLAN_TOS, 'IFLA_VXLAN_TOS'),
  learning: u8(C.IFLA_VXLAN_LEARNING, 'IFLA_VXLAN_LEARNING'),
  ageing: { id: C.IFLA_VXLAN_AGEING, type: 'u32', orig: 'IFLA_VXLAN_AGEING' },
  limit: { id: C.IFLA_VXLAN_LIMIT, type: 'u32', orig: 'IFLA_VXLAN_LIMIT' },
  portRange: { id: C.IFLA_VXLAN_PORT_RANGE, type: 'struct', struct: portRange, orig: 'IFLA_VXLAN_PORT_RANGE' },
  proxy: u8(C.IFLA_VXLAN_PROXY, 'IFLA_VXLAN_PROXY'),
  rsc: u8(C.IFLA_VXLAN_RSC, 'IFLA_VXLAN_RSC'),
  l2miss: u8(C.IFLA_VXLAN_L2MISS, 'IFLA_VXLAN_L2MISS'),
  l3miss: u8(C.IFLA_VXLAN_L3MISS, 'IFLA_VXLAN_L3MISS'),
  port: { id: C.IFLA_VXLAN_PORT, type: 'u16', byteOrder: 'be', orig: 'IFLA_VXLAN_PORT' },
  group6: ip(C.IFLA_VXLAN_GROUP6, 'IFLA_VXLAN_GROUP6'),
  local6: ip(C.IFLA_VXLAN_LOCAL6, 'IFLA_VXLAN_LOCAL6'),
  udpCsum: u8(C.IFLA_VXLAN_UDP_CSUM, 'IFLA_VXLAN_UDP_CSUM'),
  udpZeroCsum6Tx: u8(C.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 'IFLA_VXLAN_UDP_ZERO_CSUM6_TX'),
  udpZeroCsum6Rx: u8(C.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 'IFLA_VXLAN_UDP_ZERO_CSUM6_RX'),
  remcsumTx: u8(C.IFLA_VXLAN_REMCSUM_TX, 'IFLA_VXLAN_REMCSUM_TX'),
  remcsumRx: u8(C.IFLA_VXLAN_REMCSUM_RX, 'IFLA_VXLAN_REMCSUM_RX'),
  gbp: { id: C.IFLA_VXLAN_GBP, type: 'flag', orig: 'IFLA_VXLAN_GBP' },
  remcsumNopartial: { id: C.IFLA_VXLAN_REMCSUM_NOPARTIAL, type: 'flag', orig: 'IFLA_VXLAN_REMCSUM_NOPARTIAL' },
  collectMetadata: u8(C.IFLA_VXLAN_COLLECT_METADATA, 'IFLA_VXLAN_COLLECT_METADATA'),
  label: { id: C.IFLA_VXLAN_LABEL, type: 'u32', byteOrder: 'be', orig: 'IFLA_VXLAN_LABEL' },
  gpe: { id: C.IFLA_VXLAN_GPE, type: 'flag', orig: 'IFLA_VXLAN_GPE' },
  // A flag in requests (the policy's NLA_FLAG), a u8 0/1 in the kernel's replies: raw bytes here.
  ttlInherit: { id: C.IFLA_VXLAN_TTL_INHERIT, type: 'binary', orig: 'IFLA_VXLAN_TTL_INHERIT' },
  df: u8(C.IFLA_VXLAN_DF, 'IFLA_VXLAN_DF'),
  vnifilter: u8(C.IFLA_VXLAN_VNIFILTER, 'IFLA_VXLAN_VNIFILTER'),
});

const DF = { unset: C.VXLAN_DF_UNSET, set: C.VXLAN_DF_SET, inherit: C.VXLAN_DF_INHERIT } as const;

export interface VxlanOptions {
  /** VXLAN network identifier, 0..2^24-1 (required unless `external`). */
  vni?: number;
  /** Unicast address of the far end (one tunnel), IPv4 or IPv6. */
  remote?: string;
  /** Multicast group joined for flooding (instead of `remote`). */
  group?: string;
  /** Source address of outer packets. */
  local?: string;
  /** Device the tunnel's packets leave through (a Link, name or index in the new link's namespace). */
  dev?: DeviceRef;
  /** UDP destination port (the kernel's default is 8472; IANA's is 4789). */
  dstport?: number;
  /** Range of UDP source ports. */
  srcPortRange?: { low: number; high: number };
  /** TTL of outer packets, or 'inherit' from the inner one. */
  ttl?: number | 'inherit';
  tos?: number;
  df?: keyof typeof DF;
  /** Learn remote MACs into the FDB (kernel default: on). */
  learning?: boolean;
  /** Seconds before a learned FDB entry expires. */
  ageing?: number;
  /** Maximum number of FDB entries. */
  maxAddresses?: number;
  proxy?: boolean;
  l2miss?: boolean;
  l3miss?: boolean;
  /** Compute UDP checksums over IPv4. */
  udpCsum?: boolean;
  /** Send zero UDP checksums over IPv6. */
  udp6ZeroCsumTx?: boolean;
  /** Accept zero UDP checksums over IPv6. */
  udp6ZeroCsumRx?: boolean;
  /** Metadata mode (collect_metadata, for tc/eBPF/OVS): no fixed vni. */
  external?: boolean;
}

export interface VxlanData {
  vni: number | undefined;
  remote?: string;
  group?: string;
  local?: string;
  /** ifindex of the underlay device. */
  dev?: number;
  dstport: number | undefined;
  srcPortRange?: { low: number; high: number };
  ttl: number | 'inherit' | undefined;
  tos: number | undefined;
  df: keyof typeof DF | number | undefined;
  learning: boolean;
  ageing: number | undefined;
  maxAddresses: number | undefined;
  proxy: boolean;
  l2miss: boolean;
  l3miss: boolean;
  udpCsum: boolean;
  udp6ZeroCsumTx: boolean;
  udp6ZeroCsumRx: boolean;
  external: boolean;
}

const KEYS = [
  'vni', 'remote', 'group', 'local', 'dev', 'dstport', 'srcPortRange', 'ttl', 'tos', 'df', 'learning', 'ageing',
  'maxAddresses', 'proxy', 'l2miss', 'l3miss', 'udpCsum', 'udp6ZeroCsumTx', 'udp6ZeroCsumRx', 'external',
] as const;

/** TTL_INHERIT: present and empty (a request's flag) or a non-zero byte (a reply's u8). */
const inherits = (v: unknown) => v instanceof Uint8Array && (v.length === 0 || v[0] !== 0);

const isMulticast = (b: Uint8Array) => (b.length === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff);

export const vxlan = defineKind<VxlanOptions, VxlanData>({
  kind: 'vxlan',
  schema: vxlanAttrs,
  deviceOptions: ['dev'],
  // iproute2's order: the options it adds while parsing, then id, local, remote/group, learning,
  // port (iplink_vxlan.c).
  encode(o, at, change) {
    knownKeys(o, at, KEYS);
    const d: Values = {};
    if (o.dev !== undefined) d.link = ifindex(o.dev, `${at}dev`);
    if (o.ttl !== undefined) {
      const ttl = ttlOf(o.ttl, `${at}ttl`);
      if (ttl === 'inherit') d.ttlInherit = new Uint8Array(0);
      else d.ttl = ttl;
    }
    if (o.tos !== undefined) d.tos = uint(o.tos, `${at}tos`, 0, 255);
    if (o.df !== undefined) d.df = oneOf(o.df, `${at}df`, DF);
    if (o.ageing !== undefined) d.ageing = uint(o.ageing, `${at}ageing`, 0, 0xffffffff);
    if (o.maxAddresses !== undefined) d.limit = uint(o.maxAddresses, `${at}maxAddresses`, 0, 0xffffffff);
    if (o.srcPortRange !== undefined) {
      const r = o.srcPortRange;
      const low = portOf(r?.low, `${at}srcPortRange.low`);
      const high = portOf(r?.high, `${at}srcPortRange.high`);
      if (high < low) throw new InvalidArgumentError(`${at}srcPortRange`, r, 'high is below low');
      d.portRange = { low, high };
    }
    if (o.udpCsum !== undefined) d.udpCsum = bool(o.udpCsum, `${at}udpCsum`);
    if (o.udp6ZeroCsumTx !== undefined) d.udpZeroCsum6Tx = bool(o.udp6ZeroCsumTx, `${at}udp6ZeroCsumTx`);
    if (o.udp6ZeroCsumRx !== undefined) d.udpZeroCsum6Rx = bool(o.udp6ZeroCsumRx, `${at}udp6ZeroCsumRx`);
    if (o.proxy !== undefined) d.proxy = bool(o.proxy, `${at}proxy`);
    if (o.l2miss !== undefined) d.l2miss = bool(o.l2miss, `${at}l2miss`);
    if (o.l3miss !== undefined) d.l3miss = bool(o.l3miss, `${at}l3miss`);
    if (o.external !== undefined) d.collectMetadata = bool(o.external, `${at}external`);
    if (o.vni !== undefined) d.id = uint(o.vni, `${at}vni`, 0, 0xffffff);
    else if (!o.external && !change) throw new InvalidArgumentError(`${at}vni`, o.vni, 'a vxlan needs a vni (or external: true)');
    if (o.local !== undefined) {
      const b = ipOf(o.local, `${at}local`);
      d[b.length === 4 ? 'local' : 'local6'] = b;
    }
    if (o.remote !== undefined && o.group !== undefined) throw new InvalidArgumentError(`${at}group`, o.group, 'give remote or group, not both');
    const far = o.remote ?? o.group;
    if (far !== undefined) {
      const arg = o.remote !== undefined ? 'remote' : 'group';
      const b = ipOf(far, `${at}${arg}`);
      if (isMulticast(b) !== (arg === 'group')) throw new InvalidArgumentError(`${at}${arg}`, far, arg === 'group' ? 'a group is a multicast address' : 'a remote is a unicast address (a multicast one is a group)');
      d[b.length === 4 ? 'group' : 'group6'] = b;
    }
    if (o.learning !== undefined) d.learning = bool(o.learning, `${at}learning`);
    if (o.dstport !== undefined) d.port = portOf(o.dstport, `${at}dstport`);
    return d;
  },
  decode(d) {
    const out: VxlanData = {
      vni: d.id as number | undefined,
      dstport: d.port as number | undefined,
      ttl: inherits(d.ttlInherit) ? 'inherit' : (d.ttl as number | undefined),
      tos: d.tos as number | undefined,
      df: nameOf(d.df, DF),
      learning: on(d.learning),
      ageing: d.ageing as number | undefined,
      maxAddresses: d.limit as number | undefined,
      proxy: on(d.proxy),
      l2miss: on(d.l2miss),
      l3miss: on(d.l3miss),
      udpCsum: on(d.udpCsum),
      udp6ZeroCsumTx: on(d.udpZeroCsum6Tx),
      udp6ZeroCsumRx: on(d.udpZeroCsum6Rx),
      external: on(d.collectMetadata),
    };
    const far = ipText(d.group) ?? ipText(d.group6);
    if (far !== undefined) {
      const multicast = far.includes(':') ? far.toLowerCase().startsWith('ff') : Number(far.split('.')[0]) >= 224 && Number(far.split('.')[0]) < 240;
      out[multicast ? 'group' : 'remote'] = far;
    }
    const local = ipText(d.local) ?? ipText(d.local6);
    if (local !== undefined) out.local = local;
    if (d.link !== undefined && d.link !== 0) out.dev = d.link as number;
    const r = d.portRange as { low: number; high: number } | undefined;
    if (r) out.srcPortRange = { low: r.low, high: r.high };
    return out;
  },
});
