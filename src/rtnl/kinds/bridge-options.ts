// SPDX-License-Identifier: MIT
// Bridge and bridge-port options in user units (seconds, booleans), mapped to the kernel's IFLA_BR_*
// and IFLA_BRPORT_* attributes. Times go to the kernel in clock_t (hundredths of a second).

import { InvalidArgumentError } from '../../errors';
import { Values } from '../../netlink/codec';
import * as C from '../constants';

export interface BridgeOptions {
  /** Spanning tree on/off (`brctl stp br on|off`). */
  stp?: boolean;
  /** Seconds, 2..30 when STP is on. */
  forwardDelay?: number;
  /** Seconds, 1..10. */
  helloTime?: number;
  /** Seconds, 6..40. */
  maxAge?: number;
  /** Seconds a learned address stays in the FDB (0: forever). */
  ageingTime?: number;
  /** Bridge priority, 0..65535 (lower wins root election). */
  priority?: number;
  vlanFiltering?: boolean;
  /** 0..4094 (0: none). */
  vlanDefaultPvid?: number;
  multicastSnooping?: boolean;
}

export interface BridgePortOptions {
  /** Hairpin mode: frames may go back out the port they came in on. */
  hairpin?: boolean;
  learning?: boolean;
  /** Unknown-unicast flooding. */
  flood?: boolean;
  multicastFlood?: boolean;
  broadcastFlood?: boolean;
  /** Isolated ports only talk to non-isolated ones. */
  isolated?: boolean;
  /** BPDU guard: a BPDU received here disables the port. */
  guard?: boolean;
  /** Root port protection: the port may not become root port. */
  rootBlock?: boolean;
  /** Path cost, 1..65535. */
  cost?: number;
  /** Port priority, 0..63. */
  priority?: number;
  neighSuppress?: boolean;
  proxyArp?: boolean;
}

const seconds = (arg: string, v: unknown, min: number, max: number): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidArgumentError(arg, v, `expected seconds from ${min} to ${max}`);
  }
  return Math.round(v * 100);
};
const int = (arg: string, v: unknown, min: number, max: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(arg, v, `expected an integer from ${min} to ${max}`);
  }
  return v;
};
const bool = (arg: string, v: unknown): number => {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(arg, v, 'expected true or false');
  return v ? 1 : 0;
};

/**
 * IFLA_BR_* attributes for exactly the options given (nothing else is sent, so a kernel without
 * a feature only objects when it is asked for). `stpOn` is the STP state the result will have,
 * which decides the forward-delay range.
 */
export function bridgeAttrs(o: BridgeOptions, stpOn: boolean): Values {
  const a: Values = {};
  if (o.stp !== undefined) a.stpState = bool('stp', o.stp);
  if (o.forwardDelay !== undefined) a.forwardDelay = seconds('forwardDelay', o.forwardDelay, stpOn ? 2 : 0, 30);
  if (o.helloTime !== undefined) a.helloTime = seconds('helloTime', o.helloTime, 1, 10);
  if (o.maxAge !== undefined) a.maxAge = seconds('maxAge', o.maxAge, 6, 40);
  if (o.ageingTime !== undefined) a.ageingTime = seconds('ageingTime', o.ageingTime, 0, 1_000_000);
  if (o.priority !== undefined) a.priority = int('priority', o.priority, 0, 65535);
  if (o.vlanFiltering !== undefined) a.vlanFiltering = bool('vlanFiltering', o.vlanFiltering);
  if (o.vlanDefaultPvid !== undefined) a.vlanDefaultPvid = int('vlanDefaultPvid', o.vlanDefaultPvid, 0, 4094);
  if (o.multicastSnooping !== undefined) a.mcastSnooping = bool('multicastSnooping', o.multicastSnooping);
  return a;
}

/** Options read back from the kernel's IFLA_BR_* attributes. */
export function bridgeOptionsFrom(d: Values): Required<BridgeOptions> & { bridgeId: string; rootId: string } {
  const cs = (v: unknown) => (typeof v === 'number' ? v / 100 : 0);
  return {
    stp: d.stpState !== 0 && d.stpState !== undefined,
    forwardDelay: cs(d.forwardDelay),
    helloTime: cs(d.helloTime),
    maxAge: cs(d.maxAge),
    ageingTime: cs(d.ageingTime),
    priority: (d.priority as number) ?? 0,
    vlanFiltering: d.vlanFiltering === 1,
    vlanDefaultPvid: (d.vlanDefaultPvid as number) ?? 0,
    multicastSnooping: d.mcastSnooping === 1,
    bridgeId: bridgeIdText(d.bridgeId),
    rootId: bridgeIdText(d.rootId),
  };
}

/** struct ifla_bridge_id {u8 prio[2]; u8 addr[6]} as `brctl show` prints it: 8000.020000000001. */
export function bridgeIdText(v: unknown): string {
  if (!(v instanceof Uint8Array) || v.length < 8) return '';
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return `${hex(v.subarray(0, 2))}.${hex(v.subarray(2, 8))}`;
}

/** IFLA_BRPORT_* attributes for exactly the port options given. */
export function portAttrs(o: BridgePortOptions): Values {
  const a: Values = {};
  if (o.hairpin !== undefined) a.mode = bool('hairpin', o.hairpin);
  if (o.learning !== undefined) a.learning = bool('learning', o.learning);
  if (o.flood !== undefined) a.unicastFlood = bool('flood', o.flood);
  if (o.multicastFlood !== undefined) a.mcastFlood = bool('multicastFlood', o.multicastFlood);
  if (o.broadcastFlood !== undefined) a.bcastFlood = bool('broadcastFlood', o.broadcastFlood);
  if (o.isolated !== undefined) a.isolated = bool('isolated', o.isolated);
  if (o.guard !== undefined) a.guard = bool('guard', o.guard);
  if (o.rootBlock !== undefined) a.protect = bool('rootBlock', o.rootBlock);
  if (o.cost !== undefined) a.cost = int('cost', o.cost, 1, 65535);
  if (o.priority !== undefined) a.priority = int('priority', o.priority, 0, 63);
  if (o.neighSuppress !== undefined) a.neighSuppress = bool('neighSuppress', o.neighSuppress);
  if (o.proxyArp !== undefined) a.proxyarp = bool('proxyArp', o.proxyArp);
  return a;
}

export type PortState = 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking';
const STATES: Record<number, PortState> = {
  [C.BR_STATE_DISABLED]: 'disabled',
  [C.BR_STATE_LISTENING]: 'listening',
  [C.BR_STATE_LEARNING]: 'learning',
  [C.BR_STATE_FORWARDING]: 'forwarding',
  [C.BR_STATE_BLOCKING]: 'blocking',
};

/** A port as the kernel reports it (IFLA_INFO_SLAVE_DATA of kind bridge). */
export interface PortInfo extends Required<Omit<BridgePortOptions, 'rootBlock'>> {
  state: PortState;
  rootBlock: boolean;
}

export function portInfoFrom(d: Values): PortInfo {
  const on = (v: unknown) => v === 1;
  return {
    state: STATES[d.state as number] ?? 'disabled',
    cost: (d.cost as number) ?? 0,
    priority: (d.priority as number) ?? 0,
    hairpin: on(d.mode),
    learning: on(d.learning),
    flood: on(d.unicastFlood),
    multicastFlood: on(d.mcastFlood),
    broadcastFlood: on(d.bcastFlood),
    isolated: on(d.isolated),
    guard: on(d.guard),
    rootBlock: on(d.protect),
    neighSuppress: on(d.neighSuppress),
    proxyArp: on(d.proxyarp),
  };
}
