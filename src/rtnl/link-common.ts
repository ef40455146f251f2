// SPDX-License-Identifier: MIT
// The IFLA_* attributes every link kind shares at creation (name, MTU, MAC, queues, ...), checked
// before the kernel sees them. Used for a link and for a veth's peer alike.

import { InvalidArgumentError } from '../errors';
import { Values } from '../netlink/codec';
import { parseMac } from '../util/addr';
import { validateIfName, validateMtu, validateUint } from '../util/validate';

/** Options every link has at creation. */
export interface LinkBasics {
  /** Interface name, 1..15 bytes. */
  name: string;
  mtu?: number;
  /** MAC address, 'aa:bb:cc:dd:ee:ff'. */
  mac?: string;
  txqlen?: number;
  /** Device group (IFLA_GROUP); bulk deletes use it. */
  group?: number;
  /** ifalias. */
  alias?: string;
  /** Transmit / receive queues (IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES), 1..4096. */
  txQueues?: number;
  rxQueues?: number;
}

/**
 * IFLA_* attributes for `o`, in the order iproute2 sends them (the options it parses as it goes,
 * then IFLA_LINK, then IFLA_IFNAME); `prefix` names the argument in errors ('peer.'), `queues` is
 * the number of queues asked for when none is given (undefined: the kernel's default).
 */
export function commonLinkAttrs(o: LinkBasics, prefix: string, queues?: number, extra?: { master?: number; netNsFd?: number; parent?: number }): Values {
  const attrs: Values = {};
  if (o.mtu !== undefined) attrs.mtu = validateMtu(o.mtu, `${prefix}mtu`);
  if (o.mac !== undefined) attrs.address = parseMac(o.mac, `${prefix}mac`);
  if (o.txqlen !== undefined) attrs.txqlen = validateUint(o.txqlen, `${prefix}txqlen`, 0, 0xffffffff);
  if (o.group !== undefined) attrs.group = validateUint(o.group, `${prefix}group`, 0, 0xffffffff);
  if (o.alias !== undefined) {
    if (typeof o.alias !== 'string') throw new InvalidArgumentError(`${prefix}alias`, o.alias, 'an alias is a string');
    attrs.ifalias = o.alias;
  }
  const t = o.txQueues ?? queues;
  const r = o.rxQueues ?? queues;
  if (t !== undefined) attrs.numTxQueues = validateUint(t, `${prefix}txQueues`, 1, 4096);
  if (r !== undefined) attrs.numRxQueues = validateUint(r, `${prefix}rxQueues`, 1, 4096);
  if (extra) {
    if (extra.master !== undefined) attrs.master = extra.master;
    if (extra.netNsFd !== undefined) attrs.netNsFd = extra.netNsFd;
    if (extra.parent !== undefined) attrs.link = extra.parent;
  }
  attrs.ifname = validateIfName(o.name, `${prefix}name`);
  return attrs;
}
