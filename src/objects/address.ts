// SPDX-License-Identifier: MIT
// IP addresses of links, in any namespace: `ip addr add/del/show` over rtnetlink. Functions rather
// than a class, so Link and Namespace can offer them as thin methods (link.addAddress(...)).

import { LinkNotFoundError, NetlinkError } from '../errors';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { RequestOptions } from '../netlink/multiplexer';
import {
  AddAddressOptions,
  Address,
  AddressFilter,
  delAddressRequest,
  dumpAddressRequest,
  newAddressRequest,
  parseAddress,
  validateIfindex,
} from '../rtnl/addr-ops';
import * as C from '../rtnl/constants';
import { parseCidr } from '../util/addr';
import { mapInSlices, yieldIfBusy } from '../util/slices';
import type { Namespace } from './namespace';

export type { AddAddressOptions, Address, AddressFilter } from '../rtnl/addr-ops';
export type { IpVersion, Scope, ScopeName } from '../rtnl/addr-ops';

/** @internal Copies a NetlinkError with a sentence that says what the errno means for this request. */
export function withHint(err: NetlinkError, hint: string): NetlinkError {
  const init = { errno: err.errno, op: err.op, ...(err.request ? { request: err.request } : {}), ...(err.extack ? { extack: err.extack } : {}) };
  return new NetlinkError(init, hint);
}

/**
 * @internal Sends one rtnetlink request in `ns`. ENODEV becomes LinkNotFoundError when the request
 * named an interface; `hints` adds a sentence to other errnos.
 */
export async function sendRtnl(
  ns: Namespace,
  builder: RequestBuilder,
  opts: RequestOptions & { ifindex?: number; hints?: Record<string, string> },
): Promise<NlMsg[]> {
  await yieldIfBusy();
  const conn = await ns.connection();
  const { ifindex, hints, ...requestOpts } = opts;
  try {
    return (await conn.request(builder, requestOpts)).messages;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV' && ifindex !== undefined) throw new LinkNotFoundError(ifindex, ns.label, e);
    if (e instanceof NetlinkError && hints?.[e.code]) throw withHint(e, hints[e.code]!);
    throw e;
  }
}

/**
 * Adds an IPv4 or IPv6 address to a link. Fails with EEXIST if the link already has it, unless
 * `replace` (which updates its metric and lifetimes, see AddAddressOptions). IPv6 addresses go through duplicate address detection
 * (flag 'tentative' for about a second) unless `noDad`.
 *
 * Equivalent to: `ip addr add|replace CIDR [peer P] [brd B|+] [label L] [scope S] [metric M] [noprefixroute] [nodad] dev DEV`
 */
export async function addAddress(ns: Namespace, ifindex: number, cidr: string, opts: AddAddressOptions = {}): Promise<void> {
  const { builder, describe } = newAddressRequest(ifindex, cidr, opts);
  await sendRtnl(ns, builder, {
    op: 'RTM_NEWADDR',
    describe,
    ifindex,
    hints: { EEXIST: 'The link already has this address (pass { replace: true } to update it)' },
  });
}

/**
 * Removes an address from a link. Without a prefix length an IPv4 address is removed whatever its
 * prefix (as `ip` does); an IPv6 one is looked up first to learn its prefix.
 *
 * Equivalent to: `ip addr del CIDR dev DEV`
 */
export async function removeAddress(ns: Namespace, ifindex: number, cidr: string): Promise<void> {
  validateIfindex(ifindex);
  let target = cidr;
  const parsed = parseCidr(cidr, 'address');
  if (!cidr.includes('/') && parsed.family === C.AF_INET6) {
    const found = (await listAddresses(ns, { ifindex, family: 6 })).find((a) => sameIp(a.address, parsed.bytes));
    target = found ? found.cidr : `${cidr}/128`; // not there: let the kernel say so
  }
  const { builder, describe } = delAddressRequest(ifindex, target);
  await sendRtnl(ns, builder, {
    op: 'RTM_DELADDR',
    describe,
    ifindex,
    hints: { EADDRNOTAVAIL: 'The link has no such address (with this prefix length)' },
  });
}

/** Equal addresses however written ('2001:db8::1' and '2001:DB8:0::1'). */
function sameIp(text: string, bytes: Uint8Array): boolean {
  const other = parseCidr(text, 'address').bytes;
  return other.length === bytes.length && other.every((b, i) => b === bytes[i]);
}

/**
 * Addresses of a namespace, of every link or one (`ifindex`), IPv4 and IPv6 or one `family`.
 *
 * Equivalent to: `ip [-4|-6] addr show [dev DEV]`
 */
export async function listAddresses(ns: Namespace, filter: AddressFilter = {}): Promise<Address[]> {
  const builder = dumpAddressRequest(filter);
  const what = filter.ifindex === undefined ? 'list addresses' : `list addresses of ifindex ${filter.ifindex}`;
  const msgs = await sendRtnl(ns, builder, {
    op: 'RTM_GETADDR',
    dump: true,
    describe: what,
    ...(filter.ifindex !== undefined ? { ifindex: filter.ifindex } : {}),
  });
  return mapInSlices(msgs, (m) => (m.type === C.RTM_NEWADDR ? parseAddress(m) : undefined));
}
