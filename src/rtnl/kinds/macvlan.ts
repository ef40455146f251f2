// SPDX-License-Identifier: MIT
// macvlan (IFLA_MACVLAN_*, linux/if_link.h): a device with its own MAC on top of a parent. Types
// follow the kernel's macvlan_policy (drivers/net/macvlan.c).

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import { parseMac } from '../../util/addr';
import * as C from '../constants';
import { bool, defineKind, knownKeys, nameOf, oneOf, uint } from './driver';

const macaddrList = defineAttrs('macvlan_macaddr', {
  macaddr: { id: C.IFLA_MACVLAN_MACADDR, type: 'binary', hint: 'mac', multi: true, orig: 'IFLA_MACVLAN_MACADDR' },
});

export const macvlanAttrs = defineAttrs('macvlan', {
  mode: { id: C.IFLA_MACVLAN_MODE, type: 'u32', orig: 'IFLA_MACVLAN_MODE' },
  flags: { id: C.IFLA_MACVLAN_FLAGS, type: 'u16', orig: 'IFLA_MACVLAN_FLAGS' },
  macaddrMode: { id: C.IFLA_MACVLAN_MACADDR_MODE, type: 'u32', orig: 'IFLA_MACVLAN_MACADDR_MODE' },
  macaddr: { id: C.IFLA_MACVLAN_MACADDR, type: 'binary', hint: 'mac', orig: 'IFLA_MACVLAN_MACADDR' },
  macaddrData: { id: C.IFLA_MACVLAN_MACADDR_DATA, type: 'nest', attrs: () => macaddrList, orig: 'IFLA_MACVLAN_MACADDR_DATA' },
  macaddrCount: { id: C.IFLA_MACVLAN_MACADDR_COUNT, type: 'u32', orig: 'IFLA_MACVLAN_MACADDR_COUNT' },
  bcQueueLen: { id: C.IFLA_MACVLAN_BC_QUEUE_LEN, type: 'u32', orig: 'IFLA_MACVLAN_BC_QUEUE_LEN' },
  bcQueueLenUsed: { id: C.IFLA_MACVLAN_BC_QUEUE_LEN_USED, type: 'u32', orig: 'IFLA_MACVLAN_BC_QUEUE_LEN_USED' },
});

const MODES = {
  private: C.MACVLAN_MODE_PRIVATE,
  vepa: C.MACVLAN_MODE_VEPA,
  bridge: C.MACVLAN_MODE_BRIDGE,
  passthru: C.MACVLAN_MODE_PASSTHRU,
  source: C.MACVLAN_MODE_SOURCE,
} as const;
export type MacvlanMode = keyof typeof MODES;

export interface MacvlanOptions {
  /** How macvlans of one parent reach each other (default 'vepa', the kernel's). */
  mode?: MacvlanMode;
  /** passthru only: do not put the parent in promiscuous mode. */
  nopromisc?: boolean;
  /** Do not add this device's address to the parent's unicast filter (MACVLAN_FLAG_NODST). */
  nodst?: boolean;
  /** mode 'source': the source MACs this device accepts frames from. */
  sourceMacs?: string[];
  /** Length of the queue for broadcast/multicast frames. */
  bcQueueLen?: number;
}

export interface MacvlanData {
  mode: MacvlanMode | number | undefined;
  nopromisc: boolean;
  nodst: boolean;
  /** mode 'source': the accepted source MACs. */
  sourceMacs?: string[];
  bcQueueLen?: number;
  /** The queue length in use (the largest asked for by the parent's macvlans). */
  bcQueueLenUsed?: number;
}

const KEYS = ['mode', 'nopromisc', 'nodst', 'sourceMacs', 'bcQueueLen'] as const;

/** Encoder shared with macvtap (same IFLA_INFO_DATA); attributes in iproute2's order. */
export function encodeMacvlan(o: MacvlanOptions, at: string, change = false): Values | undefined {
  knownKeys(o, at, KEYS);
  const d: Values = {};
  if (o.sourceMacs !== undefined) {
    if (o.mode !== 'source' && !(change && o.mode === undefined)) throw new InvalidArgumentError(`${at}sourceMacs`, o.sourceMacs, "source MACs are for mode 'source'");
    if (!Array.isArray(o.sourceMacs)) throw new InvalidArgumentError(`${at}sourceMacs`, o.sourceMacs, 'expected an array of MAC addresses');
    d.macaddrMode = C.MACVLAN_MACADDR_SET;
    d.macaddrData = { macaddr: o.sourceMacs.map((m, i) => parseMac(m, `${at}sourceMacs[${i}]`)) };
  }
  if (o.bcQueueLen !== undefined) d.bcQueueLen = uint(o.bcQueueLen, `${at}bcQueueLen`, 0, 0xffffffff);
  if (o.mode !== undefined) d.mode = oneOf(o.mode, `${at}mode`, MODES);
  if (o.nopromisc !== undefined || o.nodst !== undefined) {
    if (o.nopromisc && o.mode !== 'passthru' && !(change && o.mode === undefined)) throw new InvalidArgumentError(`${at}nopromisc`, o.nopromisc, "nopromisc is for mode 'passthru'");
    d.flags = (o.nopromisc === undefined ? 0 : bool(o.nopromisc, `${at}nopromisc`) && C.MACVLAN_FLAG_NOPROMISC) | (o.nodst === undefined ? 0 : bool(o.nodst, `${at}nodst`) && C.MACVLAN_FLAG_NODST);
  }
  return Object.keys(d).length ? d : undefined;
}

export function decodeMacvlan(d: Values): MacvlanData {
  const flags = (d.flags as number | undefined) ?? 0;
  const out: MacvlanData = {
    mode: nameOf(d.mode, MODES),
    nopromisc: (flags & C.MACVLAN_FLAG_NOPROMISC) !== 0,
    nodst: (flags & C.MACVLAN_FLAG_NODST) !== 0,
  };
  const list = (d.macaddrData as Values | undefined)?.macaddr as string[] | undefined;
  if (list || out.mode === 'source') out.sourceMacs = list ?? [];
  if (d.bcQueueLen !== undefined) out.bcQueueLen = d.bcQueueLen as number;
  if (d.bcQueueLenUsed !== undefined) out.bcQueueLenUsed = d.bcQueueLenUsed as number;
  return out;
}

export const macvlan = defineKind<MacvlanOptions, MacvlanData>({
  kind: 'macvlan',
  schema: macvlanAttrs,
  needsParent: true,
  encode: encodeMacvlan,
  decode: decodeMacvlan,
});
