// SPDX-License-Identifier: MIT
// Connection tracking entries of a namespace over ctnetlink (NFNL_SUBSYS_CTNETLINK): list them and
// delete them by tuple or mark. A DNAT mapping that is removed keeps steering the connections
// conntrack already knows (UDP "connections" above all), so CNI's portmap deletes their entries
// when a container goes; `Conntrack.delete` is that step.

import { InvalidArgumentError } from '../errors';
import { encodeMessageBody, pickAttrs, Values } from '../netlink/codec';
import { Connection } from '../netlink/connection';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { defineAttrs, MessageSchema } from '../netlink/schema';
import { Namespace, namespaceArg } from '../objects/namespace';
import { formatIp, parseIp } from '../util/addr';
import * as C from './conntrack-constants';
import { be16, be32, bin, nfgenmsg } from './schema';
import { openNetfilter } from './socket';


const ipAttrs = defineAttrs('ct ip', {
  v4Src: bin(C.CTA_IP_V4_SRC, 'CTA_IP_V4_SRC'),
  v4Dst: bin(C.CTA_IP_V4_DST, 'CTA_IP_V4_DST'),
  v6Src: bin(C.CTA_IP_V6_SRC, 'CTA_IP_V6_SRC'),
  v6Dst: bin(C.CTA_IP_V6_DST, 'CTA_IP_V6_DST'),
});
const protoAttrs = defineAttrs('ct proto', {
  num: { id: C.CTA_PROTO_NUM, type: 'u8', orig: 'CTA_PROTO_NUM' },
  srcPort: be16(C.CTA_PROTO_SRC_PORT, 'CTA_PROTO_SRC_PORT'),
  dstPort: be16(C.CTA_PROTO_DST_PORT, 'CTA_PROTO_DST_PORT'),
  icmpId: be16(C.CTA_PROTO_ICMP_ID, 'CTA_PROTO_ICMP_ID'),
  icmpType: { id: C.CTA_PROTO_ICMP_TYPE, type: 'u8', orig: 'CTA_PROTO_ICMP_TYPE' },
  icmpCode: { id: C.CTA_PROTO_ICMP_CODE, type: 'u8', orig: 'CTA_PROTO_ICMP_CODE' },
});
const tupleAttrs = defineAttrs('ct tuple', {
  ip: { id: C.CTA_TUPLE_IP, type: 'nest', nestedFlag: true, attrs: () => ipAttrs, orig: 'CTA_TUPLE_IP' },
  proto: { id: C.CTA_TUPLE_PROTO, type: 'nest', nestedFlag: true, attrs: () => protoAttrs, orig: 'CTA_TUPLE_PROTO' },
  zone: be16(C.CTA_TUPLE_ZONE, 'CTA_TUPLE_ZONE'),
});
export const conntrackAttrs = defineAttrs('conntrack', {
  original: { id: C.CTA_TUPLE_ORIG, type: 'nest', nestedFlag: true, attrs: () => tupleAttrs, orig: 'CTA_TUPLE_ORIG' },
  reply: { id: C.CTA_TUPLE_REPLY, type: 'nest', nestedFlag: true, attrs: () => tupleAttrs, orig: 'CTA_TUPLE_REPLY' },
  status: be32(C.CTA_STATUS, 'CTA_STATUS'),
  timeout: be32(C.CTA_TIMEOUT, 'CTA_TIMEOUT'),
  mark: be32(C.CTA_MARK, 'CTA_MARK'),
  id: be32(C.CTA_ID, 'CTA_ID'),
  zone: be16(C.CTA_ZONE, 'CTA_ZONE'),
  markMask: be32(C.CTA_MARK_MASK, 'CTA_MARK_MASK'),
  use: be32(C.CTA_USE, 'CTA_USE'),
  countersOrig: bin(C.CTA_COUNTERS_ORIG, 'CTA_COUNTERS_ORIG'),
  countersReply: bin(C.CTA_COUNTERS_REPLY, 'CTA_COUNTERS_REPLY'),
  timestamp: bin(C.CTA_TIMESTAMP, 'CTA_TIMESTAMP'),
  labels: bin(C.CTA_LABELS, 'CTA_LABELS'),
  protoinfo: bin(C.CTA_PROTOINFO, 'CTA_PROTOINFO'),
});
const conntrackMessage: MessageSchema = { name: 'conntrack', header: nfgenmsg, attrs: conntrackAttrs };

const PROTOCOLS: Record<string, number> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, icmp: C.IPPROTO_ICMP, icmpv6: C.IPPROTO_ICMPV6, sctp: C.IPPROTO_SCTP };
const protocolName = (n: number) => Object.keys(PROTOCOLS).find((k) => PROTOCOLS[k] === n) ?? String(n);

export interface ConntrackTuple {
  source: string;
  destination: string;
  sourcePort?: number;
  destinationPort?: number;
}

/** One tracked connection. `original` is as the first packet saw it; `reply` shows the NAT applied. */
export interface ConntrackEntry {
  family: 'ipv4' | 'ipv6';
  protocol: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  mark: number;
  /** Seconds left before it expires. */
  timeout: number;
  /** IPS_* bits (ASSURED, SEEN_REPLY, DST_NAT, ...). */
  status: number;
  id: number;
}

/** Which entries `list`/`delete` take: every field given must match (on the original direction). */
export interface ConntrackFilter {
  family?: 'ipv4' | 'ipv6';
  protocol?: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp';
  source?: string;
  destination?: string;
  sourcePort?: number;
  destinationPort?: number;
  /** Source of the reply direction: after DNAT, the address the connection really goes to. */
  replySource?: string;
  mark?: number;
}

const ctType = (msg: number) => (C.NFNL_SUBSYS_CTNETLINK << 8) | msg;

function request(msg: number, family: number, attrs: Values): RequestBuilder {
  return new RequestBuilder(ctType(msg), 0, (w) => encodeMessageBody(conntrackMessage, { family, version: 0, resId: 0 }, attrs, w));
}

function tupleOf(t: Values | undefined): ConntrackTuple {
  const ip = (t?.ip ?? {}) as Values;
  const p = (t?.proto ?? {}) as Values;
  const src = (ip.v4Src ?? ip.v6Src) as Uint8Array | undefined;
  const dst = (ip.v4Dst ?? ip.v6Dst) as Uint8Array | undefined;
  const out: ConntrackTuple = { source: src ? formatIp(src) : '', destination: dst ? formatIp(dst) : '' };
  if (p.srcPort !== undefined) out.sourcePort = p.srcPort as number;
  if (p.dstPort !== undefined) out.destinationPort = p.dstPort as number;
  return out;
}

function entryOf(m: NlMsg): { entry: ConntrackEntry; original: Values; zone?: number } {
  const a = pickAttrs(conntrackAttrs, m.payload.subarray(4), { original: true, reply: true, status: true, timeout: true, mark: true, id: true, zone: true }, 20);
  const original = a.original as Values;
  const proto = ((original?.proto ?? {}) as Values).num as number;
  const entry: ConntrackEntry = {
    family: m.payload[0] === C.AF_INET6 ? 'ipv6' : 'ipv4',
    protocol: protocolName(proto),
    original: tupleOf(original),
    reply: tupleOf(a.reply as Values),
    mark: (a.mark as number | undefined) ?? 0,
    timeout: (a.timeout as number | undefined) ?? 0,
    status: (a.status as number | undefined) ?? 0,
    id: (a.id as number | undefined) ?? 0,
  };
  return { entry, original, ...(a.zone !== undefined ? { zone: a.zone as number } : {}) };
}

function checkFilter(f: ConntrackFilter): void {
  if (typeof f !== 'object' || f === null) throw new InvalidArgumentError('filter', f, 'expected { protocol?, source?, destination?, sourcePort?, destinationPort?, mark? }');
  const known = ['family', 'protocol', 'source', 'destination', 'sourcePort', 'destinationPort', 'replySource', 'mark'];
  for (const k of Object.keys(f)) {
    if (!known.includes(k)) throw new InvalidArgumentError('filter', `{ ${k}: ... }`, `unknown key "${k}"; the keys are ${known.join(', ')}`);
    if ((f as Record<string, unknown>)[k] === undefined) throw new InvalidArgumentError(`filter.${k}`, undefined, 'a key that is given must have a value');
  }
  if (f.family !== undefined && f.family !== 'ipv4' && f.family !== 'ipv6') throw new InvalidArgumentError('filter.family', f.family, "expected 'ipv4' or 'ipv6'");
  if (f.protocol !== undefined && !(f.protocol in PROTOCOLS)) throw new InvalidArgumentError('filter.protocol', f.protocol, `expected one of ${Object.keys(PROTOCOLS).join(', ')}`);
  for (const k of ['source', 'destination', 'replySource'] as const) if (f[k] !== undefined) parseIp(f[k]!, `filter.${k}`);
  for (const k of ['sourcePort', 'destinationPort'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 65535)) throw new InvalidArgumentError(`filter.${k}`, v, 'a port is an integer from 0 to 65535');
  }
  if (f.mark !== undefined && !(Number.isInteger(f.mark) && f.mark >= 0 && f.mark <= 0xffffffff)) throw new InvalidArgumentError('filter.mark', f.mark, 'expected an integer from 0 to 2^32-1');
}

const sameIp = (a: string, b: string) => a === formatIp(parseIp(b));
function matches(e: ConntrackEntry, f: ConntrackFilter): boolean {
  return (
    (f.family === undefined || e.family === f.family) &&
    (f.protocol === undefined || e.protocol === f.protocol) &&
    (f.source === undefined || sameIp(e.original.source, f.source)) &&
    (f.destination === undefined || sameIp(e.original.destination, f.destination)) &&
    (f.sourcePort === undefined || e.original.sourcePort === f.sourcePort) &&
    (f.destinationPort === undefined || e.original.destinationPort === f.destinationPort) &&
    (f.replySource === undefined || sameIp(e.reply.source, f.replySource)) &&
    (f.mark === undefined || e.mark === f.mark)
  );
}

export const Conntrack = {
  /**
   * The tracked connections of a namespace, all or those matching `filter`.
   *
   * Equivalent to: `ip netns exec NS conntrack -L [-p PROTO] [--dport P] ...`
   */
  async list(namespace?: Namespace, filter: ConntrackFilter = {}): Promise<ConntrackEntry[]> {
    const ns = namespaceArg(namespace, 'namespace');
    checkFilter(filter);
    const conn = await open(ns);
    try {
      return (await dump(conn)).map((x) => x.entry).filter((e) => matches(e, filter));
    } finally {
      await conn.close();
    }
  },

  /**
   * Deletes the tracked connections matching `filter` (an empty filter is refused: pass
   * `{ family: 'ipv4' }` and `{ family: 'ipv6' }` to mean all). Resolves with how many were
   * deleted; one that expired meanwhile is not counted.
   *
   * Equivalent to: `ip netns exec NS conntrack -D [-p PROTO] [--dport P] ...`
   */
  async delete(namespace: Namespace | undefined, filter: ConntrackFilter): Promise<number> {
    const ns = namespaceArg(namespace, 'namespace');
    checkFilter(filter);
    if (Object.keys(filter).length === 0) throw new InvalidArgumentError('filter', {}, 'an empty filter would delete every entry; say { family: "ipv4" } (and "ipv6") to mean that');
    const conn = await open(ns);
    try {
      const doomed = (await dump(conn)).filter((x) => matches(x.entry, filter));
      const results = await Promise.all(
        doomed.map(({ entry, original, zone }) => {
          const attrs: Values = { original, id: entry.id };
          if (zone !== undefined) attrs.zone = zone;
          return conn
            .request(request(C.IPCTNL_MSG_CT_DELETE, entry.family === 'ipv6' ? C.AF_INET6 : C.AF_INET, attrs), {
              op: 'IPCTNL_MSG_CT_DELETE',
              describe: () => `delete the ${entry.protocol} conntrack entry ${entry.original.source}:${entry.original.sourcePort ?? ''} -> ${entry.original.destination}:${entry.original.destinationPort ?? ''}`,
            })
            .then(
              () => 1,
              (e: { code?: string }) => (e.code === 'ENOENT' ? 0 : Promise.reject(e)),
            );
        }),
      );
      return results.reduce((a: number, b: number) => a + b, 0);
    } finally {
      await conn.close();
    }
  },
};

const open = (ns: Namespace): Promise<Connection> => openNetfilter(ns, { rcvbuf: 4 << 20 });

async function dump(conn: Connection): Promise<ReturnType<typeof entryOf>[]> {
  const out: ReturnType<typeof entryOf>[] = [];
  for (const family of [C.AF_INET, C.AF_INET6]) {
    const reply = await conn.request(request(C.IPCTNL_MSG_CT_GET, family, {}), { op: 'IPCTNL_MSG_CT_GET', dump: true, describe: `list ${family === C.AF_INET ? 'IPv4' : 'IPv6'} conntrack entries` });
    for (const m of reply.messages) if ((m.type & 0xff) === C.IPCTNL_MSG_CT_NEW) out.push(entryOf(m));
  }
  return out;
}
