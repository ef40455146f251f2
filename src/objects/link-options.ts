// SPDX-License-Identifier: MIT
// Link.create's input: the IFLA_* attributes its options stand for, checked before the kernel, and
// the error for a link kind the kernel does not have.

import { KernelFeatureError, NetlinkError } from '../errors';
import { Values } from '../netlink/codec';
import { parseMac } from '../util/addr';
import { validateIfName, validateMtu, validateUint } from '../util/validate';
import type { Namespace } from './namespace';

/** Options common to every link kind at creation. */
export interface LinkCreateOptions {
  /** Link kind (IFLA_INFO_KIND): 'veth', 'bridge', 'dummy', 'macvlan', ... */
  kind: string;
  /** Interface name, 1..15 bytes. */
  name: string;
  /** Namespace to create it in (default: the current one). */
  namespace?: Namespace;
  mtu?: number;
  /** MAC address, 'aa:bb:cc:dd:ee:ff'. */
  mac?: string;
  txqlen?: number;
  /** Device group (IFLA_GROUP); bulk deletes use it. */
  group?: number;
  /** ifalias. */
  alias?: string;
  /** Bring the link up in the same request. */
  up?: boolean;
  /**
   * Transmit / receive queues (IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES), 1..4096. For 'veth' both
   * ends default to 1 (see VethPair's `txQueues` for why it is sent); other kinds get the
   * kernel's default when omitted.
   */
  txQueues?: number;
  rxQueues?: number;
  /** For kind 'veth': the other end. */
  peer?: { name: string; mac?: string; mtu?: number; txQueues?: number; rxQueues?: number };
  /** Kind-specific IFLA_INFO_DATA attributes, by schema key (escape hatch for kinds without a class). */
  data?: Values;
}

/** Changes accepted by `link.set()`. */
export interface LinkSetOptions {
  mtu?: number;
  mac?: string;
  /** Renaming needs the link down; the kernel answers EBUSY otherwise. */
  name?: string;
  txqlen?: number;
  group?: number;
  alias?: string;
}

/** Turns the kernel's answer to an unknown link kind into an error that says what is missing. */
export function kindError(kind: string) {
  return (err: NetlinkError): Error => {
    if (err.code === 'EOPNOTSUPP' && /unknown device type/i.test(err.kernelMessage ?? 'unknown device type')) {
      return new KernelFeatureError(
        { errno: err.errno, op: err.op, ...(err.request ? { request: err.request } : {}), ...(err.extack ? { extack: err.extack } : {}) },
        `link kind "${kind}"`,
        `The running kernel has no "${kind}" link type (not built in, and its module cannot be loaded)`,
      );
    }
    return err;
  };
}

/** Common IFLA_* attributes from creation options; `prefix` names the argument in errors ('peer.'). */
export function linkAttrsFromOptions(o: { name: string; mtu?: number; mac?: string; txqlen?: number; group?: number; alias?: string }, prefix: string): Values {
  const attrs: Values = { ifname: validateIfName(o.name, `${prefix}name`) };
  if (o.mtu !== undefined) attrs.mtu = validateMtu(o.mtu, `${prefix}mtu`);
  if (o.mac !== undefined) attrs.address = parseMac(o.mac, `${prefix}mac`);
  if (o.txqlen !== undefined) attrs.txqlen = validateUint(o.txqlen, `${prefix}txqlen`, 0, 0xffffffff);
  if (o.group !== undefined) attrs.group = validateUint(o.group, `${prefix}group`, 0, 0xffffffff);
  if (o.alias !== undefined) attrs.ifalias = o.alias;
  return attrs;
}
