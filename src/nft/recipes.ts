// SPDX-License-Identifier: MIT
// The rules behind each Firewall call, as pure data: a chain and its expressions. Firewall's
// methods add them one call at a time; Firewall.apply compares a whole owner's set of them with
// what the table holds.

import { InvalidArgumentError } from '../errors';
import * as C from './constants';
import * as X from './expr';

export type FirewallChain = 'input' | 'forward' | 'output' | 'prerouting' | 'postrouting' | 'nat-output';

/** The base chains of a vnetkit table: type, hook and priority (nft's filter 0, dstnat -100, srcnat 100). */
export const BASE_CHAINS: Readonly<Record<FirewallChain, { type: 'filter' | 'nat'; hook: number; priority: number }>> = {
  input: { type: 'filter', hook: C.NF_INET_LOCAL_IN, priority: 0 },
  forward: { type: 'filter', hook: C.NF_INET_FORWARD, priority: 0 },
  output: { type: 'filter', hook: C.NF_INET_LOCAL_OUT, priority: 0 },
  prerouting: { type: 'nat', hook: C.NF_INET_PRE_ROUTING, priority: -100 },
  'nat-output': { type: 'nat', hook: C.NF_INET_LOCAL_OUT, priority: -100 },
  postrouting: { type: 'nat', hook: C.NF_INET_POST_ROUTING, priority: 100 },
};

/** One rule as data. */
export interface RuleSpec {
  chain: FirewallChain;
  expressions: X.Expr[];
}

export interface MasqueradeOptions {
  /** The containers' subnet (a CIDR). */
  source: string;
  outInterface?: string;
}

export interface SnatOptions {
  source: string;
  to: string;
  outInterface?: string;
}

export interface PortMapOptions {
  protocol: X.L4Proto;
  hostPort: number;
  /** Only traffic to this host address (default: any local address, `fib daddr type local`). */
  hostIp?: string;
  /** The container's address. */
  to: string;
  /** The container's port (default: hostPort). */
  toPort?: number;
  /** Who may reach the container through its mapped port from the inside (default: the container). */
  hairpinSource?: string;
}

/** What a filter rule matches; every field given must match. */
export interface RuleMatch {
  source?: string;
  destination?: string;
  notSource?: string;
  notDestination?: string;
  inInterface?: string;
  outInterface?: string;
  protocol?: X.L4Proto;
  sourcePort?: number;
  destinationPort?: number;
  ctState?: X.CtState[];
}

export interface RuleOptions extends RuleMatch {
  chain: FirewallChain;
  verdict: 'accept' | 'drop' | 'reject' | 'return' | { jump: string } | { goto: string };
  counter?: boolean;
  owner?: string;
}

function objectArg(o: unknown, shape: string): void {
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('options', o, `expected ${shape}`);
}

export function masqueradeRules(o: MasqueradeOptions): RuleSpec[] {
  objectArg(o, '{ source, outInterface? }');
  const parts = [X.address('saddr', o.source, false, 'source'), X.address('daddr', o.source, true, 'source')];
  if (o.outInterface !== undefined) parts.push(X.ifname('oifname', o.outInterface));
  parts.push(X.masquerade());
  return [{ chain: 'postrouting', expressions: X.joinExprs(parts) }];
}

export function snatRules(o: SnatOptions): RuleSpec[] {
  objectArg(o, '{ source, to, outInterface? }');
  const parts = [X.address('saddr', o.source, false, 'source')];
  if (o.outInterface !== undefined) parts.push(X.ifname('oifname', o.outInterface));
  parts.push(X.nat('snat', o.to));
  return [{ chain: 'postrouting', expressions: X.joinExprs(parts) }];
}

export function portMapRules(o: PortMapOptions): RuleSpec[] {
  objectArg(o, '{ protocol, hostPort, to, toPort? }');
  const family: X.IpFamily = X.parseCidr(o.to, 'to').family;
  const toPort = o.toPort ?? o.hostPort;
  const dest = o.hostIp !== undefined ? X.address('daddr', o.hostIp, false, 'hostIp') : [...X.nfproto(family), ...X.fibDaddrLocal()];
  const dnat = X.joinExprs([dest, X.port(o.protocol, 'dport', o.hostPort), X.nat('dnat', o.to, toPort)]);
  const toContainer = (source: string, argument: string) =>
    X.joinExprs([X.address('saddr', source, false, argument), X.address('daddr', o.to, false, 'to'), X.port(o.protocol, 'dport', toPort), X.masquerade()]);
  return [
    { chain: 'prerouting', expressions: dnat },
    { chain: 'nat-output', expressions: dnat },
    { chain: 'postrouting', expressions: toContainer(o.hairpinSource ?? o.to, 'hairpinSource') },
    { chain: 'postrouting', expressions: toContainer(family === 'ipv4' ? '127.0.0.0/8' : '::1', 'to') },
  ];
}

export function filterRules(r: RuleOptions): RuleSpec[] {
  objectArg(r, '{ chain, verdict, ...matches }');
  if (!Object.hasOwn(BASE_CHAINS, r.chain)) throw new InvalidArgumentError('chain', r.chain, `expected one of ${Object.keys(BASE_CHAINS).join(', ')}`);
  const parts: X.Expr[][] = [];
  if (r.inInterface !== undefined) parts.push(X.ifname('iifname', r.inInterface));
  if (r.outInterface !== undefined) parts.push(X.ifname('oifname', r.outInterface));
  if (r.source !== undefined) parts.push(X.address('saddr', r.source, false, 'source'));
  if (r.notSource !== undefined) parts.push(X.address('saddr', r.notSource, true, 'notSource'));
  if (r.destination !== undefined) parts.push(X.address('daddr', r.destination, false, 'destination'));
  if (r.notDestination !== undefined) parts.push(X.address('daddr', r.notDestination, true, 'notDestination'));
  if ((r.sourcePort !== undefined || r.destinationPort !== undefined) && r.protocol === undefined) {
    throw new InvalidArgumentError('protocol', r.protocol, "a port match needs protocol: 'tcp', 'udp' or 'sctp'");
  }
  if (r.protocol !== undefined) parts.push(X.l4proto(r.protocol));
  if (r.sourcePort !== undefined) parts.push(X.port(r.protocol!, 'sport', r.sourcePort));
  if (r.destinationPort !== undefined) parts.push(X.port(r.protocol!, 'dport', r.destinationPort));
  if (r.ctState !== undefined) parts.push(X.ctState(r.ctState));
  if (r.counter) parts.push(X.counter());
  // A reject answers with the ICMP of the family the rule is guarded to (ICMPx when unguarded).
  const flat = parts.flat();
  const guard = flat.findIndex((e) => e.name === 'meta' && e.data.key === C.NFT_META_NFPROTO);
  const proto = guard < 0 ? undefined : (flat[guard + 1]!.data.data as { value: Uint8Array }).value[0];
  const family = proto === C.NFPROTO_IPV4 ? 'ipv4' : proto === C.NFPROTO_IPV6 ? 'ipv6' : undefined;
  parts.push(r.verdict === 'reject' ? X.reject('icmp', family) : X.verdict(r.verdict));
  return [{ chain: r.chain, expressions: X.joinExprs(parts) }];
}

/** One entry of Firewall.apply's desired set. */
export type DesiredRule = { masquerade: MasqueradeOptions } | { snat: SnatOptions } | { portMap: PortMapOptions } | { rule: Omit<RuleOptions, 'owner'> };

export function desiredRules(d: DesiredRule): RuleSpec[] {
  objectArg(d, '{ masquerade } | { snat } | { portMap } | { rule }');
  if ('masquerade' in d) return masqueradeRules(d.masquerade);
  if ('snat' in d) return snatRules(d.snat);
  if ('portMap' in d) return portMapRules(d.portMap);
  if ('rule' in d) return filterRules(d.rule as RuleOptions);
  throw new InvalidArgumentError('rule', d, 'expected one of { masquerade }, { snat }, { portMap }, { rule }');
}
