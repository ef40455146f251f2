// SPDX-License-Identifier: MIT
// Pure builders and parsers for RTM_{NEW,DEL,GET}ROUTE: no I/O (objects/route.ts sends them).
// Defaults and attribute order follow iproute2's `ip route` (checked byte for byte by the golden
// test), so a route added here looks exactly like one added with `ip`.

import { InvalidArgumentError } from '../errors';
import { decodeAttrs, decodeMessageBody, encodeMessageBody, Values } from '../netlink/codec';
import { NLM_F_CREATE, NLM_F_EXCL } from '../netlink/constants';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { formatIp, maskAddress } from '../util/addr';
import { validateMtu, validateUint } from '../util/validate';
import { Built, familyOf, ipBytesOf, IpVersion, NameTable, parseCidrOf, Scope, scopes, validateIfindex, versionOf } from './addr-ops';
import * as C from './constants';
import { routeAttrs, routeMessage, rtnexthop } from './route-attrs';

export type TableName = 'main' | 'local' | 'default';
/** A routing table: a name iproute2 knows or an id 1..2^32-1. */
export type RouteTable = TableName | number;
const tables = new NameTable<TableName>('table', { main: C.RT_TABLE_MAIN, local: C.RT_TABLE_LOCAL, default: C.RT_TABLE_DEFAULT }, 0xffffffff);

export type ProtocolName =
  | 'unspec' | 'redirect' | 'kernel' | 'boot' | 'static' | 'gated' | 'ra' | 'mrt' | 'zebra' | 'bird' | 'dnrouted'
  | 'xorp' | 'ntk' | 'dhcp' | 'mrouted' | 'keepalived' | 'babel' | 'openr' | 'bgp' | 'isis' | 'ospf' | 'rip' | 'eigrp';
/** RTPROT_*: who installed the route (iproute2's names, as in /etc/iproute2/rt_protos). */
export type RouteProtocol = ProtocolName | number;
const protocols = new NameTable<ProtocolName>('protocol', {
  unspec: C.RTPROT_UNSPEC, redirect: C.RTPROT_REDIRECT, kernel: C.RTPROT_KERNEL, boot: C.RTPROT_BOOT,
  static: C.RTPROT_STATIC, gated: C.RTPROT_GATED, ra: C.RTPROT_RA, mrt: C.RTPROT_MRT, zebra: C.RTPROT_ZEBRA,
  bird: C.RTPROT_BIRD, dnrouted: C.RTPROT_DNROUTED, xorp: C.RTPROT_XORP, ntk: C.RTPROT_NTK, dhcp: C.RTPROT_DHCP,
  mrouted: C.RTPROT_MROUTED, keepalived: C.RTPROT_KEEPALIVED, babel: C.RTPROT_BABEL, openr: C.RTPROT_OPENR,
  bgp: C.RTPROT_BGP, isis: C.RTPROT_ISIS, ospf: C.RTPROT_OSPF, rip: C.RTPROT_RIP, eigrp: C.RTPROT_EIGRP,
});

export type TypeName =
  | 'unspec' | 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat' | 'xresolve';
/** RTN_*: what the route does with a packet. */
export type RouteType = TypeName | number;
const types = new NameTable<TypeName>('route type', {
  unspec: C.RTN_UNSPEC, unicast: C.RTN_UNICAST, local: C.RTN_LOCAL, broadcast: C.RTN_BROADCAST, anycast: C.RTN_ANYCAST,
  multicast: C.RTN_MULTICAST, blackhole: C.RTN_BLACKHOLE, unreachable: C.RTN_UNREACHABLE, prohibit: C.RTN_PROHIBIT,
  throw: C.RTN_THROW, nat: C.RTN_NAT, xresolve: C.RTN_XRESOLVE,
});

/** What addRoute and removeRoute take. A Route from listRoutes is one too, so it can be removed as listed. */
export interface RouteSpec {
  /** 'default' or a prefix ('10.1.0.0/16', '2001:db8::/48'); without a length, a host route. */
  to: 'default' | string;
  /** 4 or 6; only needed for 'default' without `via` or `src` (it then defaults to 4). */
  family?: IpVersion;
  /** Gateway address. */
  via?: string;
  /** Output interface index. */
  dev?: number;
  /** Default 'main'. */
  table?: RouteTable;
  /** RTA_PRIORITY. */
  metric?: number;
  /** Preferred source address (RTA_PREFSRC). */
  src?: string;
  /** Default as iproute2: 'link' for an IPv4 unicast route without a gateway, else 'global'. */
  scope?: Scope;
  /** Default 'boot', as `ip route add`. */
  protocol?: RouteProtocol;
  /** Default 'unicast'. */
  type?: RouteType;
  /** The gateway is on this link even though no prefix says so (RTNH_F_ONLINK). */
  onlink?: boolean;
  /** Path MTU for this route (RTAX_MTU). */
  mtu?: number;
}

/** One hop of a multipath route. */
export interface Nexthop {
  via?: string;
  dev: number;
  weight: number;
  flags: string[];
}

/** A route as the kernel reports it, with iproute2's names. */
export interface Route extends RouteSpec {
  family: IpVersion;
  /** 'default' or `prefix/length` (host routes too: '10.0.0.1/32'). */
  to: string;
  /** Source prefix of a source-specific (IPv6 `from`) route. */
  from?: string;
  table: RouteTable;
  scope: Scope;
  protocol: RouteProtocol;
  type: RouteType;
  /** RTNH_F_* and RTM_F_* by iproute2's names: 'onlink', 'linkdown', 'dead', 'offload', 'trap', 'cloned' ... */
  flags: string[];
  nexthops?: Nexthop[];
  /** IPv6 router preference from a router advertisement. */
  pref?: 'low' | 'medium' | 'high';
}

const NH_FLAGS: [number, string][] = [
  [C.RTNH_F_DEAD, 'dead'],
  [C.RTNH_F_PERVASIVE, 'pervasive'],
  [C.RTNH_F_ONLINK, 'onlink'],
  [C.RTNH_F_OFFLOAD, 'offload'],
  [C.RTNH_F_LINKDOWN, 'linkdown'],
  [C.RTNH_F_UNRESOLVED, 'unresolved'],
  [C.RTNH_F_TRAP, 'trap'],
];
const RTM_FLAGS: [number, string][] = [
  [C.RTM_F_CLONED, 'cloned'],
  [C.RTM_F_OFFLOAD, 'rt_offload'],
  [C.RTM_F_TRAP, 'rt_trap'],
  [C.RTM_F_OFFLOAD_FAILED, 'rt_offload_failed'],
];
const PREFS: Record<number, 'low' | 'medium' | 'high'> = {
  [C.ICMPV6_ROUTER_PREF_LOW]: 'low',
  [C.ICMPV6_ROUTER_PREF_MEDIUM]: 'medium',
  [C.ICMPV6_ROUTER_PREF_HIGH]: 'high',
};

function flagNames(table: [number, string][], bits: number): string[] {
  return table.filter(([bit]) => bits & bit).map(([, name]) => name);
}

export function routeRequest(type: number, flags: number, header: Values, attrs: Values): RequestBuilder {
  const zero = { family: C.AF_UNSPEC, dstLen: 0, srcLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 };
  return new RequestBuilder(type, flags, (w) => encodeMessageBody(routeMessage, { ...zero, ...header }, attrs, w));
}

/** The family every address of the spec agrees on; a mix of IPv4 and IPv6 is refused. */
function specFamily(spec: RouteSpec): number {
  const known: [string, number][] = [];
  if (spec.family !== undefined) known.push(['family', familyOf(spec.family)]);
  if (spec.to !== 'default') known.push(['to', parseCidrOf(spec.to, 'to').family]);
  for (const key of ['via', 'src'] as const) {
    const v = spec[key];
    if (v !== undefined) known.push([key, ipBytesOf(v, key, C.AF_UNSPEC).length === 4 ? C.AF_INET : C.AF_INET6]);
  }
  const family = known[0]?.[1] ?? C.AF_INET;
  const clash = known.find(([, f]) => f !== family);
  if (clash) {
    throw new InvalidArgumentError(clash[0], spec[clash[0] as keyof RouteSpec], `mixes IPv4 and IPv6 with ${known[0]![0]} (an IPv4 route via an IPv6 gateway is not supported)`);
  }
  return family;
}

function describeRoute(verb: string, spec: RouteSpec): string {
  let s = `${verb} route ${spec.to}`;
  if (spec.via !== undefined) s += ` via ${spec.via}`;
  if (spec.dev !== undefined) s += ` dev ${spec.dev}`;
  if (spec.src !== undefined) s += ` src ${spec.src}`;
  if (spec.metric !== undefined) s += ` metric ${spec.metric}`;
  return `${s} table ${spec.table ?? 'main'}`;
}

/**
 * The request both add and remove send. For removal, fields left out match any route (the
 * kernel's wildcards: protocol 0, type 0, scope RT_SCOPE_NOWHERE for IPv4).
 */
function buildRoute(op: 'add' | 'replace' | 'remove', spec: RouteSpec): Built {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('route', spec, 'expected { to, via?, dev?, ... }');
  const family = specFamily(spec);
  const v4 = family === C.AF_INET;
  const remove = op === 'remove';
  let dstLen = 0;
  let dst: Uint8Array | undefined;
  if (spec.to !== 'default') {
    const c = parseCidrOf(spec.to, 'to', family);
    const net = maskAddress(c.bytes, c.prefixLength);
    if (!net.every((b, i) => b === c.bytes[i])) {
      throw new InvalidArgumentError('to', spec.to, `host bits are set; the prefix is ${formatIp(net)}/${c.prefixLength}`);
    }
    dstLen = c.prefixLength;
    dst = c.bytes;
  }
  const gateway = spec.via === undefined ? undefined : ipBytesOf(spec.via, 'via', family);
  const tableId = spec.table === undefined ? C.RT_TABLE_MAIN : tables.number(spec.table, 'table');
  if (tableId === 0) throw new InvalidArgumentError('table', spec.table, 'table 0 is not a table (use "all" only when listing)');
  const type = spec.type !== undefined ? types.number(spec.type, 'type') : remove ? C.RTN_UNSPEC : C.RTN_UNICAST;
  let scope: number;
  if (spec.scope !== undefined) scope = scopes.number(spec.scope, 'scope');
  else if (!v4) scope = C.RT_SCOPE_UNIVERSE; // the kernel ignores the scope of IPv6 routes
  else if (remove) scope = C.RT_SCOPE_NOWHERE;
  else if (type === C.RTN_LOCAL || type === C.RTN_NAT) scope = C.RT_SCOPE_HOST;
  else if (type === C.RTN_BROADCAST || type === C.RTN_MULTICAST || type === C.RTN_ANYCAST) scope = C.RT_SCOPE_LINK;
  else if (type === C.RTN_UNICAST && !gateway) scope = C.RT_SCOPE_LINK;
  else scope = C.RT_SCOPE_UNIVERSE;
  const header = {
    family,
    dstLen,
    // Table ids above 255 do not fit rtm_table; iproute2 then sends RTA_TABLE and RT_TABLE_UNSPEC.
    table: tableId < 256 ? tableId : C.RT_TABLE_UNSPEC,
    protocol: spec.protocol !== undefined ? protocols.number(spec.protocol, 'protocol') : remove ? C.RTPROT_UNSPEC : C.RTPROT_BOOT,
    scope,
    type,
    flags: spec.onlink ? C.RTNH_F_ONLINK : 0,
  };
  // iproute2's order: RTA_DST, RTA_PREFSRC, RTA_GATEWAY, RTA_PRIORITY, RTA_TABLE, RTA_OIF, RTA_METRICS.
  const attrs: Values = {};
  if (dst && dstLen > 0) attrs.dst = dst;
  if (spec.src !== undefined) attrs.prefsrc = ipBytesOf(spec.src, 'src', family);
  if (gateway) attrs.gateway = gateway;
  if (spec.metric !== undefined) attrs.priority = validateUint(spec.metric, 'metric', 0, 0xffffffff);
  if (tableId >= 256) attrs.table = tableId;
  if (spec.dev !== undefined) attrs.oif = validateIfindex(spec.dev, 'dev');
  if (spec.mtu !== undefined) attrs.metrics = { mtu: validateMtu(spec.mtu) };
  const flags = op === 'remove' ? 0 : NLM_F_CREATE | (op === 'replace' ? C.NLM_F_REPLACE : NLM_F_EXCL);
  return { builder: routeRequest(remove ? C.RTM_DELROUTE : C.RTM_NEWROUTE, flags, header, attrs), describe: describeRoute(op, spec) };
}

/** RTM_NEWROUTE (NLM_F_CREATE with NLM_F_EXCL, or NLM_F_REPLACE). */
export function newRouteRequest(spec: RouteSpec, replace = false): Built {
  return buildRoute(replace ? 'replace' : 'add', spec);
}

/** RTM_DELROUTE. */
export function delRouteRequest(spec: RouteSpec): Built {
  return buildRoute('remove', spec);
}

export interface RouteFilter {
  /** Default 'main'; 'all' for every table. */
  table?: RouteTable | 'all';
  family?: IpVersion;
  /** Only routes through this interface. */
  dev?: number;
}

/**
 * RTM_GETROUTE dump of one family, filtered by the kernel (strict checking): the table in
 * RTA_TABLE, the interface in RTA_OIF, as `ip route show [table T] [dev D]` sends it.
 */
export function dumpRouteRequest(family: IpVersion, filter: RouteFilter = {}): RequestBuilder {
  const attrs: Values = {};
  if (filter.table !== 'all') attrs.table = filter.table === undefined ? C.RT_TABLE_MAIN : tables.number(filter.table, 'table');
  if (filter.dev !== undefined) attrs.oif = validateIfindex(filter.dev, 'dev');
  return routeRequest(C.RTM_GETROUTE, 0, { family: familyOf(family) }, attrs);
}

/** Splits RTA_MULTIPATH: struct rtnexthop, then that hop's own RTA_* attributes, repeated. */
function parseMultipath(bytes: Uint8Array): Nexthop[] {
  const out: Nexthop[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + rtnexthop.size <= bytes.length; ) {
    const len = view.getUint16(at, true);
    if (len < rtnexthop.size || at + len > bytes.length) break;
    const inner = decodeAttrs(routeAttrs, bytes.subarray(at + rtnexthop.size, at + len));
    const hop: Nexthop = { dev: view.getInt32(at + 4, true), weight: view.getUint8(at + 3) + 1, flags: flagNames(NH_FLAGS, view.getUint8(at + 2)) };
    if (typeof inner.gateway === 'string') hop.via = inner.gateway;
    out.push(hop);
    at += (len + 3) & ~3;
  }
  return out;
}

/** An RTM_NEWROUTE message as a Route; undefined for families other than IPv4 and IPv6. */
export function parseRoute(msg: NlMsg): Route | undefined {
  const { header, attrs } = decodeMessageBody(routeMessage, msg.payload, 16);
  const family = versionOf(header.family as number);
  if (!family) return undefined;
  const dstLen = header.dstLen as number;
  const dst = (attrs.dst as string | undefined) ?? (family === 4 ? '0.0.0.0' : '::');
  const route: Route = {
    family,
    to: dstLen === 0 ? 'default' : `${dst}/${dstLen}`,
    table: tables.name((attrs.table as number | undefined) ?? (header.table as number)),
    scope: scopes.name(header.scope as number),
    protocol: protocols.name(header.protocol as number),
    type: types.name(header.type as number),
    flags: [...flagNames(NH_FLAGS, header.flags as number), ...flagNames(RTM_FLAGS, header.flags as number)],
  };
  if ((header.srcLen as number) > 0 && typeof attrs.src === 'string') route.from = `${attrs.src}/${header.srcLen}`;
  if (typeof attrs.gateway === 'string') route.via = attrs.gateway;
  if (typeof attrs.oif === 'number') route.dev = attrs.oif;
  if (typeof attrs.priority === 'number') route.metric = attrs.priority;
  if (typeof attrs.prefsrc === 'string') route.src = attrs.prefsrc;
  const mtu = (attrs.metrics as Values | undefined)?.mtu;
  if (typeof mtu === 'number') route.mtu = mtu;
  if (route.flags.includes('onlink')) route.onlink = true;
  if (attrs.multipath instanceof Uint8Array) route.nexthops = parseMultipath(attrs.multipath);
  if (typeof attrs.pref === 'number' && PREFS[attrs.pref]) route.pref = PREFS[attrs.pref];
  return route;
}
