// SPDX-License-Identifier: MIT
// What `ip link set` changes, as one RTM_NEWLINK on an existing link: the checks and the
// attributes and header flags behind each option. The object layer (Link.set) only sends it.

import { InvalidArgumentError } from '../errors';
import { Values } from '../netlink/codec';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL } from '../netlink/constants';
import { RequestBuilder } from '../netlink/message';
import { parseMac } from '../util/addr';
import { validateIfName, validateMtu, validateUint } from '../util/validate';
import * as C from './constants';
import { bool, oneOf } from './kinds/driver';
import { linkRequest } from './link-ops';
import { kindChange } from './link-request';

const ADDR_GEN_MODES = {
  eui64: C.IN6_ADDR_GEN_MODE_EUI64,
  none: C.IN6_ADDR_GEN_MODE_NONE,
  'stable-privacy': C.IN6_ADDR_GEN_MODE_STABLE_PRIVACY,
  random: C.IN6_ADDR_GEN_MODE_RANDOM,
} as const;
/** How IPv6 link-local addresses are made (`ip link set addrgenmode`). */
export type AddrGenMode = keyof typeof ADDR_GEN_MODES;

/** Options of `ip link set` other than up/down and the kind's own (`data`, see kinds/). */
export interface LinkChanges {
  mtu?: number;
  mac?: string;
  /** Renaming needs the link down; the kernel answers EBUSY otherwise. */
  name?: string;
  txqlen?: number;
  group?: number;
  alias?: string;
  /** Receive every frame (IFF_PROMISC). */
  promisc?: boolean;
  /** Receive every multicast frame (IFF_ALLMULTI). */
  allmulti?: boolean;
  /** Use ARP (false sets IFF_NOARP). */
  arp?: boolean;
  /** Carrier on/off, for devices that let software set it (dummy, team, ...; others: EOPNOTSUPP). */
  carrier?: boolean;
  /** IPv6 link-local address generation (IFLA_INET6_ADDR_GEN_MODE). */
  addrGenMode?: AddrGenMode;
  /** The kind's own options (only those given). */
  data?: object;
}

const KEYS = new Set(['mtu', 'mac', 'name', 'txqlen', 'group', 'alias', 'promisc', 'allmulti', 'arp', 'carrier', 'addrGenMode', 'data']);
const FLAGS: [key: 'promisc' | 'allmulti' | 'arp', bit: number, inverted: boolean][] = [
  ['promisc', C.IFF_PROMISC, false],
  ['allmulti', C.IFF_ALLMULTI, false],
  ['arp', C.IFF_NOARP, true],
];

/** The change request, or undefined when `changes` asks for nothing. */
export function linkChangeRequest(index: number, kind: string | undefined, changes: LinkChanges): RequestBuilder | undefined {
  if (changes === null || typeof changes !== 'object') throw new InvalidArgumentError('changes', changes, 'expected an object such as { mtu: 1400 }');
  for (const k of Object.keys(changes)) {
    if (!KEYS.has(k)) throw new InvalidArgumentError(k, (changes as Values)[k], `unknown option; known: ${[...KEYS].join(', ')}`);
  }
  const attrs: Values = {};
  if (changes.mtu !== undefined) attrs.mtu = validateMtu(changes.mtu);
  if (changes.mac !== undefined) attrs.address = parseMac(changes.mac);
  if (changes.name !== undefined) attrs.ifname = validateIfName(changes.name);
  if (changes.txqlen !== undefined) attrs.txqlen = validateUint(changes.txqlen, 'txqlen', 0, 0xffffffff);
  if (changes.group !== undefined) attrs.group = validateUint(changes.group, 'group', 0, 0xffffffff);
  if (changes.alias !== undefined) {
    if (typeof changes.alias !== 'string') throw new InvalidArgumentError('alias', changes.alias, 'an alias is a string');
    attrs.ifalias = changes.alias;
  }
  if (changes.carrier !== undefined) attrs.carrier = bool(changes.carrier, 'carrier');
  if (changes.addrGenMode !== undefined) attrs.afSpec = { inet6: { addrGenMode: oneOf(changes.addrGenMode, 'addrGenMode', ADDR_GEN_MODES) } };
  if (changes.data !== undefined) attrs.linkinfo = kindChange(kind, changes.data);
  let flags = 0;
  let change = 0;
  for (const [key, bit, inverted] of FLAGS) {
    if (changes[key] === undefined) continue;
    change |= bit;
    if (bool(changes[key], key) !== (inverted ? 1 : 0)) flags |= bit;
  }
  if (change === 0 && Object.keys(attrs).length === 0) return undefined;
  return linkRequest(C.RTM_NEWLINK, 0, { index, flags, change }, attrs);
}

/** The link's IPv6 address generation mode, from its decoded IFLA_AF_SPEC. */
export function addrGenModeOf(attrs: Values): AddrGenMode | number | undefined {
  const v = ((attrs.afSpec as Values | undefined)?.inet6 as Values | undefined)?.addrGenMode;
  if (typeof v !== 'number') return undefined;
  for (const [k, n] of Object.entries(ADDR_GEN_MODES)) if (n === v) return k as AddrGenMode;
  return v;
}

/**
 * RTM_NEWLINKPROP / RTM_DELLINKPROP adding or removing alternative names.
 *
 * Equivalent to: `ip link property add|del dev NAME altname ALT`
 */
export function altNameRequest(op: 'add' | 'delete', index: number, names: readonly string[]): RequestBuilder {
  if (!Array.isArray(names) || names.length === 0) throw new InvalidArgumentError('names', names, 'expected one or more names');
  names.forEach((n, i) => validateAltName(n, `names[${i}]`));
  // The flags iproute2 sends with an add (the kernel reads none of them today).
  const flags = op === 'add' ? NLM_F_CREATE | NLM_F_EXCL | NLM_F_APPEND : 0;
  return linkRequest(op === 'add' ? C.RTM_NEWLINKPROP : C.RTM_DELLINKPROP, flags, { index }, { propList: { altIfname: [...names] } });
}

/** An alternative name: like an interface name, up to ALTIFNAMSIZ - 1 bytes. */
export function validateAltName(name: unknown, argument = 'name'): string {
  if (typeof name === 'string' && Buffer.byteLength(name) > 15 && Buffer.byteLength(name) < C.ALTIFNAMSIZ) {
    validateIfName(name.slice(0, 1), argument);
    if (/[/:\s\0]/.test(name)) throw new InvalidArgumentError(argument, name, 'interface names cannot contain "/", ":", whitespace or NUL');
    return name;
  }
  if (typeof name === 'string' && Buffer.byteLength(name) >= C.ALTIFNAMSIZ) {
    throw new InvalidArgumentError(argument, name, `alternative names are at most ${C.ALTIFNAMSIZ - 1} bytes`);
  }
  return validateIfName(name, argument);
}
