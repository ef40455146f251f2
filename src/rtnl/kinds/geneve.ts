// SPDX-License-Identifier: MIT
// geneve (IFLA_GENEVE_*, linux/if_link.h): Generic Network Virtualization Encapsulation over UDP.
// Types follow the kernel's geneve_policy (drivers/net/geneve.c).

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { bool, defineKind, ipOf, ipText, knownKeys, nameOf, on, oneOf, portOf, ttlOf, uint } from './driver';

export const geneveAttrs = defineAttrs('geneve', {
  id: { id: C.IFLA_GENEVE_ID, type: 'u32', orig: 'IFLA_GENEVE_ID' },
  remote: { id: C.IFLA_GENEVE_REMOTE, type: 'binary', hint: 'ip', orig: 'IFLA_GENEVE_REMOTE' },
  ttl: { id: C.IFLA_GENEVE_TTL, type: 'u8', orig: 'IFLA_GENEVE_TTL' },
  tos: { id: C.IFLA_GENEVE_TOS, type: 'u8', orig: 'IFLA_GENEVE_TOS' },
  port: { id: C.IFLA_GENEVE_PORT, type: 'u16', byteOrder: 'be', orig: 'IFLA_GENEVE_PORT' },
  collectMetadata: { id: C.IFLA_GENEVE_COLLECT_METADATA, type: 'flag', orig: 'IFLA_GENEVE_COLLECT_METADATA' },
  remote6: { id: C.IFLA_GENEVE_REMOTE6, type: 'binary', hint: 'ip', orig: 'IFLA_GENEVE_REMOTE6' },
  udpCsum: { id: C.IFLA_GENEVE_UDP_CSUM, type: 'u8', orig: 'IFLA_GENEVE_UDP_CSUM' },
  udpZeroCsum6Tx: { id: C.IFLA_GENEVE_UDP_ZERO_CSUM6_TX, type: 'u8', orig: 'IFLA_GENEVE_UDP_ZERO_CSUM6_TX' },
  udpZeroCsum6Rx: { id: C.IFLA_GENEVE_UDP_ZERO_CSUM6_RX, type: 'u8', orig: 'IFLA_GENEVE_UDP_ZERO_CSUM6_RX' },
  label: { id: C.IFLA_GENEVE_LABEL, type: 'u32', byteOrder: 'be', orig: 'IFLA_GENEVE_LABEL' },
  ttlInherit: { id: C.IFLA_GENEVE_TTL_INHERIT, type: 'u8', orig: 'IFLA_GENEVE_TTL_INHERIT' },
  df: { id: C.IFLA_GENEVE_DF, type: 'u8', orig: 'IFLA_GENEVE_DF' },
  innerProtoInherit: { id: C.IFLA_GENEVE_INNER_PROTO_INHERIT, type: 'flag', orig: 'IFLA_GENEVE_INNER_PROTO_INHERIT' },
});

const DF = { unset: C.GENEVE_DF_UNSET, set: C.GENEVE_DF_SET, inherit: C.GENEVE_DF_INHERIT } as const;

export interface GeneveOptions {
  /** Virtual network identifier, 0..2^24-1 (required unless `external`). */
  vni?: number;
  /** Far end, IPv4 or IPv6. */
  remote?: string;
  ttl?: number | 'inherit';
  tos?: number;
  /** IPv6 flow label, 0..2^20-1. */
  label?: number;
  df?: keyof typeof DF;
  /** UDP destination port (default 6081). */
  dstport?: number;
  /** Metadata mode (collect_metadata). */
  external?: boolean;
  udpCsum?: boolean;
  udp6ZeroCsumTx?: boolean;
  udp6ZeroCsumRx?: boolean;
}

export interface GeneveData {
  vni: number | undefined;
  remote?: string;
  ttl: number | 'inherit' | undefined;
  tos: number | undefined;
  label: number | undefined;
  df: keyof typeof DF | number | undefined;
  dstport: number | undefined;
  external: boolean;
  udpCsum: boolean;
  udp6ZeroCsumTx: boolean;
  udp6ZeroCsumRx: boolean;
}

const KEYS = ['vni', 'remote', 'ttl', 'tos', 'label', 'df', 'dstport', 'external', 'udpCsum', 'udp6ZeroCsumTx', 'udp6ZeroCsumRx'] as const;

export const geneve = defineKind<GeneveOptions, GeneveData>({
  kind: 'geneve',
  schema: geneveAttrs,
  // iproute2's order (iplink_geneve.c): id, remote, label, ttl, tos, df, port, then the flags.
  encode(o, at, change) {
    knownKeys(o, at, KEYS);
    const d: Values = {};
    if (o.vni !== undefined) d.id = uint(o.vni, `${at}vni`, 0, 0xffffff);
    else if (!o.external && !change) throw new InvalidArgumentError(`${at}vni`, o.vni, 'a geneve link needs a vni (or external: true)');
    if (o.remote !== undefined) {
      const b = ipOf(o.remote, `${at}remote`);
      d[b.length === 4 ? 'remote' : 'remote6'] = b;
    }
    if (o.label !== undefined) d.label = uint(o.label, `${at}label`, 0, 0xfffff);
    if (o.ttl !== undefined) {
      const ttl = ttlOf(o.ttl, `${at}ttl`);
      if (ttl === 'inherit') d.ttlInherit = 1;
      else d.ttl = ttl;
    }
    if (o.tos !== undefined) d.tos = uint(o.tos, `${at}tos`, 0, 255);
    if (o.df !== undefined) d.df = oneOf(o.df, `${at}df`, DF);
    if (o.dstport !== undefined) d.port = portOf(o.dstport, `${at}dstport`);
    if (o.external) d.collectMetadata = true;
    if (o.udpCsum !== undefined) d.udpCsum = bool(o.udpCsum, `${at}udpCsum`);
    if (o.udp6ZeroCsumTx !== undefined) d.udpZeroCsum6Tx = bool(o.udp6ZeroCsumTx, `${at}udp6ZeroCsumTx`);
    if (o.udp6ZeroCsumRx !== undefined) d.udpZeroCsum6Rx = bool(o.udp6ZeroCsumRx, `${at}udp6ZeroCsumRx`);
    return d;
  },
  decode(d) {
    const out: GeneveData = {
      vni: d.id as number | undefined,
      ttl: on(d.ttlInherit) ? 'inherit' : (d.ttl as number | undefined),
      tos: d.tos as number | undefined,
      label: d.label as number | undefined,
      df: nameOf(d.df, DF),
      dstport: d.port as number | undefined,
      external: d.collectMetadata === true,
      udpCsum: on(d.udpCsum),
      udp6ZeroCsumTx: on(d.udpZeroCsum6Tx),
      udp6ZeroCsumRx: on(d.udpZeroCsum6Rx),
    };
    const remote = ipText(d.remote) ?? ipText(d.remote6);
    if (remote !== undefined) out.remote = remote;
    return out;
  },
});
