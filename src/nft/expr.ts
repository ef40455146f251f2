// SPDX-License-Identifier: MIT
// Typed builders of nf_tables expressions, emitting exactly the canonical sequences nft (libnftnl)
// emits for the same rule: a byte-aligned prefix is a shorter payload load with no bitwise, any other
// prefix a full load and a mask; an IPv4/IPv6 match in an inet table is guarded by `meta nfproto`;
// a port match is preceded by `meta l4proto`. Equal rules therefore encode to equal bytes, which is
// what makes reconciling against a dump a byte comparison (and `nft list` prints them as nft would).

import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../errors';
import { Values } from '../netlink/codec';
import { parseIp } from '../util/addr';
import * as C from './constants';

/** One expression: its name and its data attributes (see schema.ts). */
export interface Expr {
  name: string;
  data: Values;
}

export type IpFamily = 'ipv4' | 'ipv6';
export type L4Proto = 'tcp' | 'udp' | 'sctp';

const L4: Readonly<Record<L4Proto, number>> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, sctp: C.IPPROTO_SCTP };
const REG1 = C.NFT_REG_1;
const REG2 = C.NFT_REG_2;

const metaLoad = (key: number): Expr => ({ name: 'meta', data: { key, dreg: REG1 } });
const cmp = (op: number, value: Uint8Array): Expr => ({ name: 'cmp', data: { sreg: REG1, op, data: { value } } });
const u8 = (n: number) => Uint8Array.of(n);
const be16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

/** `meta nfproto ipv4|ipv6`: guards an address match in an inet table. */
export function nfproto(family: IpFamily): Expr[] {
  return [metaLoad(C.NFT_META_NFPROTO), cmp(C.NFT_CMP_EQ, u8(family === 'ipv4' ? C.NFPROTO_IPV4 : C.NFPROTO_IPV6))];
}

/** A CIDR (or a single address) as its family, address bytes and prefix length. */
export function parseCidr(text: unknown, argument: string): { family: IpFamily; bytes: Uint8Array; prefix: number } {
  if (typeof text !== 'string') throw new InvalidArgumentError(argument, text, 'expected an address or CIDR such as "10.88.0.0/16"');
  const [addr, len, extra] = text.split('/');
  const family = isIPv4(addr!) ? 'ipv4' : isIPv6(addr!) ? 'ipv6' : undefined;
  if (!family || extra !== undefined) throw new InvalidArgumentError(argument, text, 'expected an address or CIDR such as "10.88.0.0/16" or "fd00::/64"');
  const bits = family === 'ipv4' ? 32 : 128;
  const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new InvalidArgumentError(argument, text, `the prefix length is 0 to ${bits}`);
  const bytes = parseIp(addr!);
  // Host bits set (10.88.0.1/16) would never match what the kernel compares: the network's bits.
  for (let b = prefix; b < bits; b++) {
    if (bytes[b >> 3]! & (0x80 >> (b & 7))) throw new InvalidArgumentError(argument, text, 'host bits are set; give the network address');
  }
  return { family, bytes, prefix };
}

/** `ip saddr|daddr [!=] CIDR` (or ip6): payload load of the address (its prefix), then cmp. */
export function address(field: 'saddr' | 'daddr', cidr: string, negate = false, argument: string = field): Expr[] {
  const { family, bytes, prefix } = parseCidr(cidr, argument);
  const v4 = family === 'ipv4';
  const offset = v4 ? (field === 'saddr' ? 12 : 16) : field === 'saddr' ? 8 : 24;
  const op = negate ? C.NFT_CMP_NEQ : C.NFT_CMP_EQ;
  if (prefix === 0) {
    // Any address of the family; "none of them" would match nothing, surely not what was meant.
    if (negate) throw new InvalidArgumentError(argument, cidr, 'a negated /0 would match nothing');
    return nfproto(family);
  }
  if (prefix % 8 === 0) {
    const len = prefix / 8;
    return [...nfproto(family), { name: 'payload', data: { dreg: REG1, base: C.NFT_PAYLOAD_NETWORK_HEADER, offset, len } }, cmp(op, bytes.slice(0, len))];
  }
  // Any other prefix: the whole address, masked (nft loads all of it, not the bytes the prefix spans).
  const len = bytes.length;
  const mask = new Uint8Array(len);
  for (let b = 0; b < prefix; b++) mask[b >> 3]! |= 0x80 >> (b & 7);
  return [
    ...nfproto(family),
    { name: 'payload', data: { dreg: REG1, base: C.NFT_PAYLOAD_NETWORK_HEADER, offset, len } },
    { name: 'bitwise', data: { sreg: REG1, dreg: REG1, len, mask: { value: mask }, xor: { value: new Uint8Array(len) } } },
    cmp(op, bytes.slice(0, len)),
  ];
}

/** `meta l4proto tcp|udp|sctp`. */
export function l4proto(proto: L4Proto): Expr[] {
  const n = L4[proto];
  if (n === undefined) throw new InvalidArgumentError('protocol', proto, "expected 'tcp', 'udp' or 'sctp'");
  return [metaLoad(C.NFT_META_L4PROTO), cmp(C.NFT_CMP_EQ, u8(n))];
}

/** `tcp|udp sport|dport N` (the l4proto match included, as nft emits it). */
export function port(proto: L4Proto, field: 'sport' | 'dport', value: number, negate = false): Expr[] {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new InvalidArgumentError(field, value, 'a port is an integer from 1 to 65535');
  return [
    ...l4proto(proto),
    { name: 'payload', data: { dreg: REG1, base: C.NFT_PAYLOAD_TRANSPORT_HEADER, offset: field === 'sport' ? 0 : 2, len: 2 } },
    cmp(negate ? C.NFT_CMP_NEQ : C.NFT_CMP_EQ, be16(value)),
  ];
}

/** `iifname|oifname "NAME"`: the name padded to IFNAMSIZ, as nft compares it. */
export function ifname(field: 'iifname' | 'oifname', name: string, negate = false): Expr[] {
  const bytes = Buffer.from(String(name), 'utf8');
  if (typeof name !== 'string' || bytes.length === 0 || bytes.length > 15) throw new InvalidArgumentError(field, name, 'an interface name is 1 to 15 bytes');
  const value = new Uint8Array(16);
  value.set(bytes);
  return [metaLoad(field === 'iifname' ? C.NFT_META_IIFNAME : C.NFT_META_OIFNAME), cmp(negate ? C.NFT_CMP_NEQ : C.NFT_CMP_EQ, value)];
}

/** Conntrack states, as the bits of the ct state register (NF_CT_STATE_BIT). */
export const CT_STATES = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 } as const;
export type CtState = keyof typeof CT_STATES;

/** `ct state S1,S2`: any of them. */
export function ctState(states: readonly CtState[]): Expr[] {
  if (!Array.isArray(states) || states.length === 0) throw new InvalidArgumentError('ctState', states, `expected a non-empty list of ${Object.keys(CT_STATES).join(', ')}`);
  let bits = 0;
  for (const s of states as readonly string[]) {
    if (!Object.hasOwn(CT_STATES, s)) throw new InvalidArgumentError('ctState', s, `expected one of ${Object.keys(CT_STATES).join(', ')}`);
    bits |= CT_STATES[s as CtState];
  }
  return [
    { name: 'ct', data: { key: C.NFT_CT_STATE, dreg: REG1 } },
    { name: 'bitwise', data: { sreg: REG1, dreg: REG1, len: 4, mask: { value: hostU32(bits) }, xor: { value: new Uint8Array(4) } } },
    cmp(C.NFT_CMP_NEQ, new Uint8Array(4)),
  ];
}

/** `fib daddr type local`: the destination is an address of this host (the register is host-endian). */
export function fibDaddrLocal(): Expr[] {
  return [{ name: 'fib', data: { flags: C.NFTA_FIB_F_DADDR, result: C.NFT_FIB_RESULT_ADDRTYPE, dreg: REG1 } }, cmp(C.NFT_CMP_EQ, hostU32(RTN_LOCAL))];
}
const RTN_LOCAL = 2;

function hostU32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export const counter = (): Expr[] => [{ name: 'counter', data: {} }];
export const masquerade = (): Expr[] => [{ name: 'masq', data: {} }];

export type Verdict = 'accept' | 'drop' | 'return' | { jump: string } | { goto: string };

export function verdict(v: Verdict): Expr[] {
  let code: number;
  let chain: string | undefined;
  if (v === 'accept') code = C.NF_ACCEPT;
  else if (v === 'drop') code = C.NF_DROP;
  else if (v === 'return') code = C.NFT_RETURN;
  else if (typeof v === 'object' && v !== null && typeof (v as { jump?: unknown }).jump === 'string') (code = C.NFT_JUMP), (chain = (v as { jump: string }).jump);
  else if (typeof v === 'object' && v !== null && typeof (v as { goto?: unknown }).goto === 'string') (code = C.NFT_GOTO), (chain = (v as { goto: string }).goto);
  else throw new InvalidArgumentError('verdict', v, "expected 'accept', 'drop', 'return', { jump: CHAIN } or { goto: CHAIN }");
  return [{ name: 'immediate', data: { dreg: C.NFT_REG_VERDICT, data: { verdict: chain === undefined ? { code } : { code, chain } } } }];
}

/** `reject`: ICMP port unreachable of the guarded family, ICMPx otherwise, or a TCP reset. */
export function reject(kind: 'icmp' | 'tcp-reset' = 'icmp', family?: IpFamily): Expr[] {
  if (kind === 'tcp-reset') return [{ name: 'reject', data: { type: C.NFT_REJECT_TCP_RST, icmpCode: 0 } }];
  if (family === 'ipv4') return [{ name: 'reject', data: { type: C.NFT_REJECT_ICMP_UNREACH, icmpCode: 3 } }];
  if (family === 'ipv6') return [{ name: 'reject', data: { type: C.NFT_REJECT_ICMP_UNREACH, icmpCode: 4 } }];
  return [{ name: 'reject', data: { type: C.NFT_REJECT_ICMPX_UNREACH, icmpCode: C.NFT_REJECT_ICMPX_PORT_UNREACH } }];
}

/** `snat|dnat ip|ip6 to ADDR[:PORT]`: the address (and port) in registers, then the nat expression. */
export function nat(type: 'snat' | 'dnat', to: string, toPort?: number): Expr[] {
  const family = isIPv4(to) ? 'ipv4' : isIPv6(to) ? 'ipv6' : undefined;
  if (!family) throw new InvalidArgumentError('to', to, 'expected an IPv4 or IPv6 address');
  if (toPort !== undefined && (!Number.isInteger(toPort) || toPort < 1 || toPort > 65535)) throw new InvalidArgumentError('toPort', toPort, 'a port is an integer from 1 to 65535');
  const out: Expr[] = [{ name: 'immediate', data: { dreg: REG1, data: { value: parseIp(to) } } }];
  if (toPort !== undefined) out.push({ name: 'immediate', data: { dreg: REG2, data: { value: be16(toPort) } } });
  const data: Values = { type: type === 'snat' ? C.NFT_NAT_SNAT : C.NFT_NAT_DNAT, family: family === 'ipv4' ? C.NFPROTO_IPV4 : C.NFPROTO_IPV6, regAddrMin: REG1 };
  if (toPort !== undefined) (data.regProtoMin = REG2), (data.flags = C.NF_NAT_RANGE_PROTO_SPECIFIED);
  out.push({ name: 'nat', data });
  return out;
}

/**
 * Joins match and statement fragments into one expression list, dropping a `meta nfproto` guard
 * that repeats the one before it (`ip saddr X ip daddr != X` is guarded once, as nft emits it).
 */
export function joinExprs(parts: readonly Expr[][]): Expr[] {
  const out: Expr[] = [];
  const seen = new Map<number, string>(); // guard key -> value already matched
  for (const part of parts) {
    let i = 0;
    // A part may start with a guard (`meta nfproto`, then maybe `meta l4proto`): each is kept only
    // the first time, as nft emits `tcp sport 1 tcp dport 2` with one l4proto match.
    while (i + 1 < part.length && isGuard(part[i]!, part[i + 1]!)) {
      const key = part[i]!.data.key as number;
      const value = Buffer.from((part[i + 1]!.data.data as { value: Uint8Array }).value).toString('hex');
      if (seen.get(key) !== value) {
        seen.set(key, value);
        out.push(part[i]!, part[i + 1]!);
      }
      i += 2;
    }
    for (; i < part.length; i++) out.push(part[i]!);
  }
  return out;
}

function isGuard(a: Expr, b: Expr): boolean {
  return a.name === 'meta' && (a.data.key === C.NFT_META_NFPROTO || a.data.key === C.NFT_META_L4PROTO) && b.name === 'cmp' && b.data.op === C.NFT_CMP_EQ;
}
