// SPDX-License-Identifier: MIT
// Parsing and formatting of MAC addresses, IP addresses and CIDR prefixes, strict enough that bad
// input is refused here with a clear message instead of reaching the kernel as a bare EINVAL.

import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../errors';

export const AF_INET = 2;
export const AF_INET6 = 10;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HI = Array.from(HEX, (h) => h.charCodeAt(0));
const LO = Array.from(HEX, (h) => h.charCodeAt(1));
const COLON = 0x3a;

/** 'aa:bb:...' of the `len` bytes of `b` from `at` (all of `b` by default). */
export function formatMac(b: Uint8Array, at = 0, len = b.length - at): string {
  // An Ethernet address as one flat string of character codes: concatenating (a template, or the
  // loop below) builds it from intermediate strings, ~300 bytes of garbage per address.
  if (len === 6) {
    const a = b[at]!, c = b[at + 1]!, d = b[at + 2]!, e = b[at + 3]!, f = b[at + 4]!, g = b[at + 5]!;
    return String.fromCharCode(HI[a]!, LO[a]!, COLON, HI[c]!, LO[c]!, COLON, HI[d]!, LO[d]!, COLON, HI[e]!, LO[e]!, COLON, HI[f]!, LO[f]!, COLON, HI[g]!, LO[g]!);
  }
  let s = '';
  for (let i = 0; i < len; i++) s += i ? `:${HEX[b[at + i]!]}` : HEX[b[at + i]!];
  return s;
}

/** Parses 'aa:bb:cc:dd:ee:ff' (or '-' separated). Exactly 6 bytes. */
export function parseMac(text: string, argument = 'mac'): Uint8Array {
  const parts = typeof text === 'string' ? text.split(/[:-]/) : [];
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new InvalidArgumentError(argument, text, 'a MAC address is 6 hex bytes like 02:00:5e:10:00:01');
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function ipFamily(text: string): number {
  if (isIPv4(text)) return AF_INET;
  if (isIPv6(text)) return AF_INET6;
  return 0;
}

/** Parses an IPv4 or IPv6 address into 4 or 16 bytes. */
export function parseIp(text: string, argument = 'address'): Uint8Array {
  if (typeof text === 'string' && isIPv4(text)) return Uint8Array.from(text.split('.'), (p) => Number(p));
  if (typeof text === 'string' && isIPv6(text)) return parseIPv6(text);
  throw new InvalidArgumentError(argument, text, 'not an IPv4 or IPv6 address');
}

function parseIPv6(text: string): Uint8Array {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    s = s.slice(0, v4.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** Formats 4 or 16 bytes; IPv6 in the RFC 5952 compressed form that `ip` prints. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return formatMac(b);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  // Longest run of zero groups (length >= 2) becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface Cidr {
  family: number;
  address: string;
  bytes: Uint8Array;
  prefixLength: number;
}

/** Parses '10.0.0.1/24' or '2001:db8::1/64'. Without a prefix, the host prefix (32 / 128) is used. */
export function parseCidr(text: string, argument = 'address'): Cidr {
  if (typeof text !== 'string') throw new InvalidArgumentError(argument, text, 'expected a string like 10.0.0.1/24');
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = ipFamily(address);
  if (!family) throw new InvalidArgumentError(argument, text, `"${address}" is not an IPv4 or IPv6 address`);
  const max = family === AF_INET ? 32 : 128;
  let prefixLength = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) {
      throw new InvalidArgumentError(argument, text, `prefix length must be 0..${max}`);
    }
    prefixLength = Number(p);
  }
  return { family, address, bytes: parseIp(address, argument), prefixLength };
}

/** The network part of an address: the first `prefixLength` bits kept, the host bits cleared. */
export function maskAddress(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** The address with every host bit set (an IPv4 subnet's broadcast address). */
export function broadcastAddress(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i]! |= 0xff >> keep;
  }
  return out;
}
