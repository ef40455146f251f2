// SPDX-License-Identifier: MIT
// Pure builders and parsers for RTM_{NEW,DEL,GET}NEIGH (the ARP and NDP caches): no I/O
// (objects/neighbour.ts sends them). Requests match iproute2's `ip neigh` byte for byte.

import { InvalidArgumentError } from '../errors';
import { decodeMessageBody, encodeMessageBody, Values } from '../netlink/codec';
import { NLM_F_CREATE, NLM_F_EXCL } from '../netlink/constants';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { parseIp, parseMac } from '../util/addr';
import { Built, familyOf, IpVersion, validateIfindex, versionOf } from './addr-ops';
import * as C from './constants';
import { neighMessage } from './neigh-attrs';

export interface NeighbourSpec {
  ifindex: number;
  /** The neighbour's IPv4 or IPv6 address. */
  address: string;
  /** Its link-layer address, 6 bytes ('02:00:00:00:00:01'). */
  mac: string;
  /** NUD_PERMANENT (default): never expires nor is re-probed. false: NUD_REACHABLE, aged as usual. */
  permanent?: boolean;
  /** Update an existing entry instead of failing with EEXIST. */
  replace?: boolean;
  /** IPv6: the neighbour is a router (NTF_ROUTER). */
  router?: boolean;
}

/** One entry of the neighbour table, as `ip -json neigh` shows it. */
export interface Neighbour {
  family: IpVersion;
  address: string;
  /** Absent while unresolved (INCOMPLETE, FAILED). */
  mac?: string;
  ifindex: number;
  /** NUD_* by iproute2's names: 'REACHABLE', 'STALE', 'PERMANENT', 'NOARP', ... ('NONE' for 0). */
  state: string[];
  /** NTF_* by iproute2's names: 'router', 'proxy', 'extern_learn', ... */
  flags: string[];
  probes?: number;
}

const STATES: [number, string][] = [
  [C.NUD_INCOMPLETE, 'INCOMPLETE'],
  [C.NUD_REACHABLE, 'REACHABLE'],
  [C.NUD_STALE, 'STALE'],
  [C.NUD_DELAY, 'DELAY'],
  [C.NUD_PROBE, 'PROBE'],
  [C.NUD_FAILED, 'FAILED'],
  [C.NUD_NOARP, 'NOARP'],
  [C.NUD_PERMANENT, 'PERMANENT'],
];
const FLAGS: [number, string][] = [
  [C.NTF_USE, 'use'],
  [C.NTF_SELF, 'self'],
  [C.NTF_MASTER, 'master'],
  [C.NTF_PROXY, 'proxy'],
  [C.NTF_EXT_LEARNED, 'extern_learn'],
  [C.NTF_OFFLOADED, 'offload'],
  [C.NTF_STICKY, 'sticky'],
  [C.NTF_ROUTER, 'router'],
];

export function neighRequest(type: number, flags: number, header: Values, attrs: Values): RequestBuilder {
  return new RequestBuilder(type, flags, (w) =>
    encodeMessageBody(neighMessage, { family: C.AF_UNSPEC, ifindex: 0, state: 0, flags: 0, type: 0, ...header }, attrs, w),
  );
}

function dstOf(address: string): { family: number; bytes: Uint8Array } {
  const bytes = parseIp(address, 'address');
  return { family: bytes.length === 4 ? C.AF_INET : C.AF_INET6, bytes };
}

/** RTM_NEWNEIGH: NDA_DST then NDA_LLADDR, as `ip neigh add ADDR lladdr MAC dev D nud permanent`. */
export function newNeighbourRequest(spec: NeighbourSpec): Built {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('neighbour', spec, 'expected { ifindex, address, mac }');
  const ifindex = validateIfindex(spec.ifindex);
  const dst = dstOf(spec.address);
  const lladdr = parseMac(spec.mac);
  if (spec.router && dst.family !== C.AF_INET6) throw new InvalidArgumentError('router', spec.router, 'only IPv6 neighbours are routers (NDP)');
  const header = {
    family: dst.family,
    ifindex,
    state: spec.permanent === false ? C.NUD_REACHABLE : C.NUD_PERMANENT,
    flags: spec.router ? C.NTF_ROUTER : 0,
  };
  const flags = NLM_F_CREATE | (spec.replace ? C.NLM_F_REPLACE : NLM_F_EXCL);
  return {
    builder: neighRequest(C.RTM_NEWNEIGH, flags, header, { dst: dst.bytes, lladdr }),
    describe: `${spec.replace ? 'replace' : 'add'} neighbour ${spec.address} lladdr ${spec.mac} on ifindex ${ifindex}`,
  };
}

/** RTM_DELNEIGH, with ndm_state NUD_PERMANENT as iproute2 sends it (the kernel does not match on it). */
export function delNeighbourRequest(spec: { ifindex: number; address: string }): Built {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('neighbour', spec, 'expected { ifindex, address }');
  const ifindex = validateIfindex(spec.ifindex);
  const dst = dstOf(spec.address);
  return {
    builder: neighRequest(C.RTM_DELNEIGH, 0, { family: dst.family, ifindex, state: C.NUD_PERMANENT }, { dst: dst.bytes }),
    describe: `remove neighbour ${spec.address} on ifindex ${ifindex}`,
  };
}

export interface NeighbourFilter {
  ifindex?: number;
  family?: IpVersion;
}

/** RTM_GETNEIGH dump; strict checking wants the interface in NDA_IFINDEX, not in the header. */
export function dumpNeighbourRequest(filter: NeighbourFilter = {}): RequestBuilder {
  const attrs: Values = {};
  if (filter.ifindex !== undefined) attrs.ifindex = validateIfindex(filter.ifindex);
  return neighRequest(C.RTM_GETNEIGH, 0, { family: familyOf(filter.family) }, attrs);
}

/** An RTM_NEWNEIGH message as a Neighbour; undefined for other families (bridge FDB entries ...). */
export function parseNeighbour(msg: NlMsg): Neighbour | undefined {
  const { header, attrs } = decodeMessageBody(neighMessage, msg.payload, 16);
  const family = versionOf(header.family as number);
  if (!family || typeof attrs.dst !== 'string') return undefined;
  const bits = header.state as number;
  const state = bits === C.NUD_NONE ? ['NONE'] : STATES.filter(([bit]) => bits & bit).map(([, name]) => name);
  const out: Neighbour = {
    family,
    address: attrs.dst,
    ifindex: header.ifindex as number,
    state,
    flags: FLAGS.filter(([bit]) => (header.flags as number) & bit).map(([, name]) => name),
  };
  if (typeof attrs.lladdr === 'string') out.mac = attrs.lladdr;
  if (typeof attrs.probes === 'number') out.probes = attrs.probes;
  return out;
}
