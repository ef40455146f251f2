// SPDX-License-Identifier: MIT
// Bridge forwarding database entries: AF_BRIDGE neighbour messages (struct ndmsg + NDA_LLADDR), as
// `bridge fdb add|del|show` sends them. Pure builders and parsers.

import { decodeMessageBody } from '../netlink/codec';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { InvalidArgumentError } from '../errors';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../netlink/constants';
import { parseIp, parseMac } from '../util/addr';
import { validateUint } from '../util/validate';
import * as C from './constants';
import { neighMessage } from './neigh-attrs';
import { neighRequest } from './neigh-ops';

/** 'static' (NUD_NOARP: never ages, `bridge fdb add ... static`), 'permanent' (local to the bridge), 'dynamic' (learned). */
export type FdbState = 'static' | 'permanent' | 'dynamic' | 'stale';

export interface FdbEntry {
  mac: string;
  /** The port (or, for entries of the bridge itself, the bridge). */
  ifindex: number;
  state: FdbState;
  /** 'master' (the bridge's table), 'self' (the device's own), 'extern_learn', 'sticky', ... */
  flags: string[];
  vlan?: number;
  /** The bridge, for entries of a port. */
  master?: number;
  /** A vxlan device's own entries: the remote tunnel endpoint ('0.0.0.0' never). */
  dst?: string;
  /** A vxlan entry's VNI, when not the device's. */
  vni?: number;
  /** A vxlan entry's UDP port, when not the device's. */
  port?: number;
}

export interface FdbSpec {
  ifindex: number;
  mac: string;
  /** Default 'static' (as `bridge fdb add ... static`); 'permanent' marks a local address. */
  state?: 'static' | 'permanent';
  vlan?: number;
  replace?: boolean;
  /**
   * The device's own table (NTF_SELF) instead of its master bridge's: a vxlan device's entries,
   * which say which remote endpoint (`dst`) a MAC is behind.
   */
  self?: boolean;
  /** Remote tunnel endpoint (vxlan, with `self`). */
  dst?: string;
  /** VNI to send with (vxlan, with `self`; default: the device's). */
  vni?: number;
  /** UDP destination port (vxlan, with `self`; default: the device's). */
  port?: number;
  /**
   * Add another entry for the same MAC instead of refusing or replacing it (NLM_F_APPEND): the
   * all-zeros MAC once per remote endpoint is head-end replication of broadcast and unknown frames.
   */
  append?: boolean;
}

const FLAGS: [number, string][] = [
  [C.NTF_SELF, 'self'],
  [C.NTF_MASTER, 'master'],
  [C.NTF_EXT_LEARNED, 'extern_learn'],
  [C.NTF_OFFLOADED, 'offload'],
  [C.NTF_STICKY, 'sticky'],
  [C.NTF_ROUTER, 'router'],
];

function stateBits(state: FdbSpec['state']): number {
  // iproute2 sends NUD_NOARP|NUD_REACHABLE for "static" and NUD_NOARP|NUD_PERMANENT for "permanent".
  return C.NUD_NOARP | (state === 'permanent' ? C.NUD_PERMANENT : C.NUD_REACHABLE);
}

export function fdbRequest(op: 'add' | 'delete', spec: FdbSpec): RequestBuilder {
  const add = op === 'add';
  if (spec.append && spec.replace) throw new InvalidArgumentError('append', spec.append, 'append and replace exclude each other');
  const flags = add ? NLM_F_CREATE | (spec.append ? NLM_F_APPEND : spec.replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0;
  // In `bridge fdb`'s order: lladdr, dst, vlan, port, vni.
  const attrs: Record<string, unknown> = { lladdr: parseMac(spec.mac, 'mac') };
  if (spec.dst !== undefined) attrs.dst = parseIp(spec.dst, 'dst');
  if (spec.vlan !== undefined) attrs.vlan = validateUint(spec.vlan, 'vlan', 1, 4094);
  if (spec.port !== undefined) attrs.port = validateUint(spec.port, 'port', 1, 65535);
  if (spec.vni !== undefined) attrs.vni = validateUint(spec.vni, 'vni', 0, 0xffffff);
  if (!spec.self && (spec.dst !== undefined || spec.port !== undefined || spec.vni !== undefined)) {
    throw new InvalidArgumentError('self', spec.self, 'dst, port and vni are a vxlan device\'s own entries: give self: true');
  }
  return neighRequest(add ? C.RTM_NEWNEIGH : C.RTM_DELNEIGH, flags, {
    family: C.AF_BRIDGE,
    ifindex: validateUint(spec.ifindex, 'ifindex', 1, 0x7fffffff),
    state: add ? stateBits(spec.state) : C.NUD_NOARP | C.NUD_PERMANENT,
    flags: spec.self ? C.NTF_SELF : C.NTF_MASTER,
  }, attrs);
}

/** RTM_GETNEIGH dump of AF_BRIDGE entries whose master is `bridge` (`bridge fdb show br BR`). */
export function dumpFdbRequest(bridge: number): RequestBuilder {
  return neighRequest(C.RTM_GETNEIGH, 0, { family: C.AF_BRIDGE }, { master: bridge });
}

export function parseFdb(msg: NlMsg): FdbEntry | undefined {
  const { header, attrs } = decodeMessageBody(neighMessage, msg.payload, 16);
  if (header.family !== C.AF_BRIDGE || typeof attrs.lladdr !== 'string') return undefined;
  const s = header.state as number;
  const state: FdbState = s & C.NUD_PERMANENT ? 'permanent' : s & C.NUD_NOARP ? 'static' : s & C.NUD_STALE ? 'stale' : 'dynamic';
  const out: FdbEntry = {
    mac: attrs.lladdr,
    ifindex: header.ifindex as number,
    state,
    flags: FLAGS.filter(([bit]) => (header.flags as number) & bit).map(([, n]) => n),
  };
  if (typeof attrs.vlan === 'number') out.vlan = attrs.vlan;
  if (typeof attrs.master === 'number') out.master = attrs.master;
  if (typeof attrs.dst === 'string') out.dst = attrs.dst;
  if (typeof attrs.vni === 'number') out.vni = attrs.vni;
  if (typeof attrs.port === 'number') out.port = attrs.port;
  return out;
}
