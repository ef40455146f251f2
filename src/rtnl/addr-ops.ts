// SPDX-License-Identifier: MIT
// Pure builders and parsers for RTM_{NEW,DEL,GET}ADDR: no I/O (objects/address.ts sends them).
// Requests match what iproute2's `ip addr` sends, attribute order included (see the golden test),
// and every input is checked here, so bad input never reaches the kernel.

import { InvalidArgumentError } from '../errors';
import { decodeMessageBody, encodeMessageBody, Values } from '../netlink/codec';
import { NLM_F_CREATE, NLM_F_EXCL } from '../netlink/constants';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { broadcastAddress, Cidr, formatIp, parseCidr, parseIp } from '../util/addr';
import { MAX_IFNAME_BYTES, validateUint } from '../util/validate';
import { addrMessage } from './addr-attrs';
import * as C from './constants';

// ---------------------------------------------------------------- shared with route-ops, neigh-ops

/** IP version as users write it. */
export type IpVersion = 4 | 6;

export function familyOf(version: IpVersion | undefined, argument = 'family'): number {
  if (version === undefined) return C.AF_UNSPEC;
  if (version === 4) return C.AF_INET;
  if (version === 6) return C.AF_INET6;
  throw new InvalidArgumentError(argument, version, 'expected 4 or 6');
}

/** 4 or 6 for AF_INET / AF_INET6; undefined for other families (MCTP, DECnet ...), which are skipped. */
export function versionOf(family: number): IpVersion | undefined {
  return family === C.AF_INET ? 4 : family === C.AF_INET6 ? 6 : undefined;
}

export function validateIfindex(ifindex: unknown, argument = 'ifindex'): number {
  return validateUint(ifindex, argument, 1, 0x7fffffff);
}

/**
 * A kernel enumeration with names (iproute2's spellings). Numbers without a name pass through, so
 * values this library has never heard of still round-trip.
 */
export class NameTable<N extends string> {
  private readonly byNumber = new Map<number, N>();
  constructor(
    private readonly what: string,
    private readonly byName: Readonly<Record<N, number>>,
    private readonly max = 255,
  ) {
    for (const [name, n] of Object.entries(byName) as [N, number][]) if (!this.byNumber.has(n)) this.byNumber.set(n, name);
  }
  name(n: number): N | number {
    return this.byNumber.get(n) ?? n;
  }
  number(v: unknown, argument: string): number {
    if (typeof v === 'number') return validateUint(v, argument, 0, this.max);
    if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(this.byName, v)) return this.byName[v as N];
    const names = Object.keys(this.byName).join(', ');
    throw new InvalidArgumentError(argument, v, `expected a ${this.what} (${names}) or a number 0..${this.max}`);
  }
}

export type ScopeName = 'global' | 'site' | 'link' | 'host' | 'nowhere';
/** RT_SCOPE_*: 'global' is RT_SCOPE_UNIVERSE, as `ip` prints it. */
export type Scope = ScopeName | number;
export const scopes = new NameTable<ScopeName>('scope', {
  global: C.RT_SCOPE_UNIVERSE,
  site: C.RT_SCOPE_SITE,
  link: C.RT_SCOPE_LINK,
  host: C.RT_SCOPE_HOST,
  nowhere: C.RT_SCOPE_NOWHERE,
});

/** parseCidr that also insists on a family when one is required. */
export function parseCidrOf(text: string, argument: string, family?: number): Cidr {
  const c = parseCidr(text, argument);
  if (family !== undefined && family !== C.AF_UNSPEC && c.family !== family) {
    throw new InvalidArgumentError(argument, text, `expected an ${family === C.AF_INET ? 'IPv4' : 'IPv6'} address here`);
  }
  return c;
}

// ---------------------------------------------------------------- addresses

export interface AddAddressOptions {
  /** IPv4 only: the broadcast address, or `true` to derive it from the prefix (`ip addr add ... brd +`). */
  broadcast?: string | true;
  /** Default 'global' (RT_SCOPE_UNIVERSE). */
  scope?: Scope;
  /** IPv4 only: an alias label, at most 15 bytes (conventionally `DEV:something`). */
  label?: string;
  /**
   * Succeed when the address exists instead of failing with EEXIST. The kernel then updates only
   * its metric and lifetimes (and, for IPv6, its flags); broadcast, label and scope stay as they were.
   */
  replace?: boolean;
  /** IPv6: skip duplicate address detection, so the address is usable at once. Ignored for IPv4 (as by the kernel). */
  noDad?: boolean;
  /** Point-to-point: the remote end. Its prefix length, when given ('10.0.0.2/32'), is the address's. */
  peer?: string;
  /** Metric of the prefix route the kernel adds (IFA_RT_PRIORITY). */
  metric?: number;
  /** Do not add the prefix route at all (IFA_F_NOPREFIXROUTE). */
  noPrefixRoute?: boolean;
}

/** One address, as `ip -json addr` shows it. */
export interface Address {
  family: IpVersion;
  /** The interface's own address (IFA_LOCAL, or IFA_ADDRESS when there is no IFA_LOCAL). */
  address: string;
  prefixLength: number;
  /** `address/prefixLength`: what addAddress and removeAddress take. */
  cidr: string;
  ifindex: number;
  scope: Scope;
  label?: string;
  broadcast?: string;
  /** The remote end of a point-to-point address. */
  peer?: string;
  /** IFA_F_* by iproute2's names: 'permanent', 'secondary' (IPv4) / 'temporary' (IPv6), 'nodad', 'tentative', ... */
  flags: string[];
  /** Metric of its prefix route, when set. */
  metric?: number;
  /** Seconds; 'forever' for a permanent address. */
  validLifetime?: number | 'forever';
  preferredLifetime?: number | 'forever';
  /** IFA_PROTO, who added it: 'kernel_lo', 'kernel_ra', 'kernel_ll', or a number. */
  protocol?: string | number;
}

export interface Built {
  builder: RequestBuilder;
  /** What was asked, in words, for errors. */
  describe: string;
}

const FLAG_NAMES: [number, string][] = [
  [C.IFA_F_SECONDARY, 'secondary'],
  [C.IFA_F_NODAD, 'nodad'],
  [C.IFA_F_OPTIMISTIC, 'optimistic'],
  [C.IFA_F_DADFAILED, 'dadfailed'],
  [C.IFA_F_HOMEADDRESS, 'home'],
  [C.IFA_F_DEPRECATED, 'deprecated'],
  [C.IFA_F_TENTATIVE, 'tentative'],
  [C.IFA_F_PERMANENT, 'permanent'],
  [C.IFA_F_MANAGETEMPADDR, 'mngtmpaddr'],
  [C.IFA_F_NOPREFIXROUTE, 'noprefixroute'],
  [C.IFA_F_MCAUTOJOIN, 'autojoin'],
  [C.IFA_F_STABLE_PRIVACY, 'stable-privacy'],
];

const PROTOCOLS: Record<number, string> = {
  [C.IFAPROT_UNSPEC]: 'unspec',
  [C.IFAPROT_KERNEL_LO]: 'kernel_lo',
  [C.IFAPROT_KERNEL_RA]: 'kernel_ra',
  [C.IFAPROT_KERNEL_LL]: 'kernel_ll',
};

export function addrRequest(type: number, flags: number, header: Values, attrs: Values): RequestBuilder {
  return new RequestBuilder(type, flags, (w) =>
    encodeMessageBody(addrMessage, { family: C.AF_UNSPEC, prefixlen: 0, flags: 0, scope: 0, index: 0, ...header }, attrs, w),
  );
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * RTM_NEWADDR. Attribute order is iproute2's: IFA_LOCAL, an explicit IFA_BROADCAST, IFA_LABEL,
 * IFA_RT_PRIORITY, IFA_FLAGS, IFA_ADDRESS, then a derived IFA_BROADCAST.
 */
export function newAddressRequest(ifindex: number, cidr: string, opts: AddAddressOptions = {}): Built {
  validateIfindex(ifindex);
  const local = parseCidr(cidr, 'address');
  const v4 = local.family === C.AF_INET;
  let prefixLength = local.prefixLength;
  let peer: Cidr | undefined;
  if (opts.peer !== undefined) {
    peer = parseCidrOf(opts.peer, 'peer', local.family);
    if (opts.peer.includes('/')) prefixLength = peer.prefixLength;
  }
  let flags = 0;
  if (opts.noDad && !v4) flags |= C.IFA_F_NODAD;
  if (opts.noPrefixRoute) flags |= C.IFA_F_NOPREFIXROUTE;
  const header = {
    family: local.family,
    prefixlen: prefixLength,
    // ifa_flags holds eight bits; larger sets travel in IFA_FLAGS (iproute2 uses one or the other).
    flags: flags <= 0xff ? flags : 0,
    scope: opts.scope === undefined ? C.RT_SCOPE_UNIVERSE : scopes.number(opts.scope, 'scope'),
    index: ifindex,
  };
  const attrs: Values = { local: local.bytes };
  if (opts.broadcast !== undefined && !v4) throw new InvalidArgumentError('broadcast', opts.broadcast, 'only IPv4 addresses have a broadcast address');
  if (typeof opts.broadcast === 'string') attrs.broadcast = parseCidrOf(opts.broadcast, 'broadcast', C.AF_INET).bytes;
  else if (opts.broadcast !== undefined && opts.broadcast !== true) throw new InvalidArgumentError('broadcast', opts.broadcast, 'expected an IPv4 address or true');
  if (opts.label !== undefined) {
    if (!v4) throw new InvalidArgumentError('label', opts.label, 'only IPv4 addresses have labels');
    if (typeof opts.label !== 'string' || opts.label.length === 0 || utf8Length(opts.label) > MAX_IFNAME_BYTES) {
      throw new InvalidArgumentError('label', opts.label, `a label is 1..${MAX_IFNAME_BYTES} bytes (IFNAMSIZ - 1)`);
    }
    attrs.label = opts.label;
  }
  if (opts.metric !== undefined) attrs.rtPriority = validateUint(opts.metric, 'metric', 0, 0xffffffff);
  if (flags > 0xff) attrs.flags = flags;
  attrs.address = (peer ?? local).bytes;
  // `brd +`: iproute2 derives it only for prefixes up to /30 (a /31 or /32 has no broadcast).
  if (opts.broadcast === true && prefixLength <= 30) attrs.broadcast = broadcastAddress(local.bytes, prefixLength);
  const nlFlags = NLM_F_CREATE | (opts.replace ? C.NLM_F_REPLACE : NLM_F_EXCL);
  const shown = `${local.address}/${prefixLength}${peer ? ` peer ${formatIp(peer.bytes)}` : ''}`;
  return {
    builder: addrRequest(C.RTM_NEWADDR, nlFlags, header, attrs),
    describe: `${opts.replace ? 'replace' : 'add'} address ${shown} on ifindex ${ifindex}`,
  };
}

/**
 * RTM_DELADDR. Without a prefix length, an IPv4 request carries IFA_LOCAL only, which the kernel
 * matches whatever the prefix (iproute2's "wildcard deletion"); IPv6 always needs the prefix.
 */
export function delAddressRequest(ifindex: number, cidr: string): Built {
  validateIfindex(ifindex);
  const local = parseCidr(cidr, 'address');
  const withPrefix = typeof cidr === 'string' && cidr.includes('/');
  if (!withPrefix && local.family === C.AF_INET6) {
    throw new InvalidArgumentError('address', cidr, 'removing an IPv6 address needs its prefix length (e.g. 2001:db8::1/64)');
  }
  const attrs: Values = { local: local.bytes };
  if (withPrefix) attrs.address = local.bytes;
  return {
    builder: addrRequest(C.RTM_DELADDR, 0, { family: local.family, prefixlen: local.prefixLength, index: ifindex }, attrs),
    describe: `remove address ${cidr} from ifindex ${ifindex}`,
  };
}

export interface AddressFilter {
  /** Only this interface (the kernel filters; strict checking is on). */
  ifindex?: number;
  family?: IpVersion;
}

/** RTM_GETADDR dump, filtered by family and interface in the header, as `ip -4 addr show dev X`. */
export function dumpAddressRequest(filter: AddressFilter = {}): RequestBuilder {
  const index = filter.ifindex === undefined ? 0 : validateIfindex(filter.ifindex);
  return addrRequest(C.RTM_GETADDR, 0, { family: familyOf(filter.family), index }, {});
}

function lifetime(seconds: unknown): number | 'forever' | undefined {
  if (typeof seconds !== 'number') return undefined;
  return seconds === 0xffffffff ? 'forever' : seconds;
}

/** An RTM_NEWADDR message as an Address; undefined for families other than IPv4 and IPv6. */
export function parseAddress(msg: NlMsg): Address | undefined {
  const { header, attrs } = decodeMessageBody(addrMessage, msg.payload, 16);
  const family = versionOf(header.family as number);
  if (!family) return undefined;
  const local = (attrs.local ?? attrs.address) as string | undefined;
  if (typeof local !== 'string') return undefined; // not an address we can show (no or odd-sized IFA_*)
  const prefixLength = header.prefixlen as number;
  const bits = (attrs.flags as number | undefined) ?? (header.flags as number);
  const flags = FLAG_NAMES.filter(([bit]) => bits & bit).map(([bit, name]) => (bit === C.IFA_F_SECONDARY && family === 6 ? 'temporary' : name));
  const out: Address = {
    family,
    address: local,
    prefixLength,
    cidr: `${local}/${prefixLength}`,
    ifindex: header.index as number,
    scope: scopes.name(header.scope as number),
    flags,
  };
  if (typeof attrs.label === 'string') out.label = attrs.label;
  if (typeof attrs.broadcast === 'string') out.broadcast = attrs.broadcast;
  if (attrs.local !== undefined && typeof attrs.address === 'string' && attrs.address !== attrs.local) out.peer = attrs.address;
  if (typeof attrs.rtPriority === 'number') out.metric = attrs.rtPriority;
  const ci = attrs.cacheinfo as Values | undefined;
  const valid = lifetime(ci?.valid);
  const preferred = lifetime(ci?.preferred);
  if (valid !== undefined) out.validLifetime = valid;
  if (preferred !== undefined) out.preferredLifetime = preferred;
  if (typeof attrs.proto === 'number') out.protocol = PROTOCOLS[attrs.proto] ?? attrs.proto;
  return out;
}

/** An address that must be of `family` (a gateway, a source, a neighbour), as bytes. */
export function ipBytesOf(text: string, argument: string, family: number): Uint8Array {
  const bytes = parseIp(text, argument);
  if (family !== C.AF_UNSPEC && bytes.length !== (family === C.AF_INET ? 4 : 16)) {
    throw new InvalidArgumentError(argument, text, `expected an ${family === C.AF_INET ? 'IPv4' : 'IPv6'} address here`);
  }
  return bytes;
}
