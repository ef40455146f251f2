// SPDX-License-Identifier: MIT
// Pure builders and parsers for RTM_{NEW,SET,DEL,GET}LINK: no classes, no I/O. The object layer
// (objects/link.ts) sends what these build.

import { DecodedMessage, decodeMessageBody, encodeMessageBody, Pick, pickAttrsAt, readStructAt, Values } from '../netlink/codec';
import { Reader } from '../netlink/buffer';
import { NLM_F_CREATE, NLM_F_EXCL } from '../netlink/constants';
import { RequestBuilder } from '../netlink/message';
import * as C from './constants';
import { linkAttrs, linkMessage } from './link-attrs';
import { ifinfomsg } from './structs';
import { validateUint } from '../util/validate';

/** Builds one link request: ifinfomsg header fields plus IFLA_* attributes. */
export function linkRequest(type: number, flags: number, header: Values, attrs: Values): RequestBuilder {
  return new RequestBuilder(type, flags, (w) =>
    encodeMessageBody(linkMessage, { family: C.AF_UNSPEC, type: 0, index: 0, flags: 0, change: 0, ...header }, attrs, w),
  );
}

export const newLinkFlags = NLM_F_CREATE | NLM_F_EXCL;

export function decodeLinkPayload(payload: Uint8Array): DecodedMessage {
  return decodeMessageBody(linkMessage, payload, 16);
}

/** What a Link's properties need, and nothing more (see pickAttrs). */
const SUMMARY: Pick = {
  ifname: true,
  mtu: true,
  address: true,
  operstate: true,
  master: true,
  link: true,
  linkNetnsid: true,
  group: true,
  txqlen: true,
  ifalias: true,
  linkinfo: { kind: true },
};

// A link message's payload is read with one Reader (offsets in errors count from the nlmsghdr), no
// views of its parts: per link in a listing of thousands, views and their DataViews were a large
// part of what was allocated.
const linkReader = (payload: Uint8Array) => new Reader(payload, 16, linkAttrs.name);
const headerOf = (r: Reader) => readStructAt(ifinfomsg, r, 0, Math.min(ifinfomsg.size, r.length));

/** Decodes the picked IFLA_* attributes of a link message. */
function pickLinkAttrs(r: Reader, pick: Pick): Values {
  return pickAttrsAt(linkAttrs, r, ifinfomsg.size, r.length, pick);
}

export function summarizeLink(payload: Uint8Array): DecodedMessage {
  const r = linkReader(payload);
  return { header: headerOf(r), attrs: pickLinkAttrs(r, SUMMARY) };
}

/** IFLA_LINKINFO of a link message (kind and kind-specific data), decoded without the rest. */
export function linkInfoOf(payload: Uint8Array): Values | undefined {
  return pickLinkAttrs(linkReader(payload), { linkinfo: true }).linkinfo as Values | undefined;
}

/** Just the index, IFF_* flags and IFLA_GROUP of a link message (group 0, the default, when absent). */
export function linkIndexAndGroup(payload: Uint8Array): { index: number; flags: number; group: number } {
  const r = linkReader(payload);
  const header = headerOf(r);
  return { index: header.index as number, flags: header.flags as number, group: (pickLinkAttrs(r, { group: true }).group as number | undefined) ?? 0 };
}


const FLAG_NAMES: [number, string][] = [
  [C.IFF_UP, 'UP'],
  [C.IFF_BROADCAST, 'BROADCAST'],
  [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_LOOPBACK, 'LOOPBACK'],
  [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'],
  [C.IFF_RUNNING, 'RUNNING'],
  [C.IFF_NOARP, 'NOARP'],
  [C.IFF_PROMISC, 'PROMISC'],
  [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_MASTER, 'MASTER'],
  [C.IFF_SLAVE, 'SLAVE'],
  [C.IFF_MULTICAST, 'MULTICAST'],
  [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [C.IFF_DYNAMIC, 'DYNAMIC'],
  [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'],
  [C.IFF_ECHO, 'ECHO'],
];

/** Device flag names (IFF_* without the prefix), in bit order. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < FLAG_NAMES.length; i++) if (flags & FLAG_NAMES[i]![0]) out.push(FLAG_NAMES[i]![1]);
  return out;
}

const OPER_STATES: Record<number, OperState> = {
  [C.IF_OPER_UNKNOWN]: 'unknown',
  [C.IF_OPER_NOTPRESENT]: 'notpresent',
  [C.IF_OPER_DOWN]: 'down',
  [C.IF_OPER_LOWERLAYERDOWN]: 'lowerlayerdown',
  [C.IF_OPER_TESTING]: 'testing',
  [C.IF_OPER_DORMANT]: 'dormant',
  [C.IF_OPER_UP]: 'up',
};

/** RFC 2863 operational state (IF_OPER_*), as `ip link` shows it, lower-cased. */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

export function operStateName(v: number | undefined): OperState {
  return OPER_STATES[v ?? C.IF_OPER_UNKNOWN] ?? 'unknown';
}

/** Interface counters (struct rtnl_link_stats64), as numbers. */
export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
  multicast: number;
  collisions: number;
  [counter: string]: number;
}

export function toStats(s: Values | undefined): LinkStats | undefined {
  if (!s) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) if (typeof v === 'bigint') out[k] = Number(v);
  return out as LinkStats;
}

/**
 * IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES, those given (or `fallback` for those not given).
 * A veth end passes fallback 1: left without them it gets one queue per possible CPU, which
 * veth_init_queues then trims to one with netif_set_real_num_*_queues, an RCU synchronization
 * under rtnl_lock per end; asking for the one queue outright skips it (0.1 ms of every create,
 * measured with perf sched on kernel 6.18).
 */
export function queueAttrs(tx: number | undefined, rx: number | undefined, prefix = '', fallback?: number): Values {
  const out: Values = {};
  const t = tx ?? fallback;
  const r = rx ?? fallback;
  if (t !== undefined) out.numTxQueues = validateUint(t, `${prefix}txQueues`, 1, 4096);
  if (r !== undefined) out.numRxQueues = validateUint(r, `${prefix}rxQueues`, 1, 4096);
  return out;
}
