// SPDX-License-Identifier: MIT
// Named builders for every link request other than create (link-request.ts) and `ip link set`
// (link-set.ts): lookups, dumps, up/down, delete, master, group, move, bridge and bridge-port
// options. The object layer says what it wants; the attribute names stay here.

import { Values } from '../netlink/codec';
import { RequestBuilder } from '../netlink/message';
import * as C from './constants';
import { bridgeAttrs, BridgeOptions, BridgePortOptions, portAttrs } from './kinds/bridge-options';
import { linkRequest } from './link-ops';
import { MAX_IFNAME_BYTES } from '../util/validate';

/** A link named by index, or by name (an alternative name longer than IFNAMSIZ goes as one). */
function byRef(ref: number | string): { header: Values; attrs: Values } {
  if (typeof ref === 'number') return { header: { index: ref }, attrs: {} };
  return { header: {}, attrs: Buffer.byteLength(ref) > MAX_IFNAME_BYTES ? { altIfname: ref } : { ifname: ref } };
}

/** RTM_GETLINK of one link. Equivalent to: `ip link show dev NAME` */
export function getLinkRequest(ref: number | string, flags = 0): RequestBuilder {
  const { header, attrs } = byRef(ref);
  return linkRequest(C.RTM_GETLINK, flags, header, attrs);
}

/**
 * RTM_GETLINK dump, filtered by the kernel to a kind or a master's ports; `noStats` leaves the
 * counters out (RTEXT_FILTER_SKIP_STATS). Equivalent to: `ip link show [type KIND] [master DEV]`
 */
export function dumpLinksRequest(filter: { kind?: string; master?: number; noStats?: boolean } = {}): RequestBuilder {
  const attrs: Values = {};
  if (filter.noStats) attrs.extMask = C.RTEXT_FILTER_SKIP_STATS;
  if (filter.kind !== undefined) attrs.linkinfo = { kind: filter.kind };
  if (filter.master !== undefined) attrs.master = filter.master;
  return linkRequest(C.RTM_GETLINK, 0, {}, attrs);
}

/** Administrative state up or down. Equivalent to: `ip link set dev NAME up|down` */
export function setUpRequest(ref: number | string, up: boolean, flags = 0): RequestBuilder {
  const { header, attrs } = byRef(ref);
  return linkRequest(C.RTM_NEWLINK, flags, { ...header, flags: up ? C.IFF_UP : 0, change: C.IFF_UP }, attrs);
}

/** Equivalent to: `ip link del dev NAME` */
export function deleteLinkRequest(index: number): RequestBuilder {
  return linkRequest(C.RTM_DELLINK, 0, { index }, {});
}

/** Every link of a device group at once. Equivalent to: `ip link del group G` */
export function deleteGroupRequest(group: number): RequestBuilder {
  return linkRequest(C.RTM_DELLINK, 0, {}, { group });
}

/** Equivalent to: `ip link set dev NAME group G` */
export function setGroupRequest(index: number, group: number, flags = 0): RequestBuilder {
  return linkRequest(C.RTM_NEWLINK, flags, { index }, { group });
}

/** 0 detaches. Equivalent to: `ip link set dev NAME master BR` / `nomaster` */
export function setMasterRequest(index: number, master: number): RequestBuilder {
  return linkRequest(C.RTM_NEWLINK, 0, { index }, { master });
}

/** Moves a link into the namespace `fd` names, optionally renaming it. Equivalent to: `ip link set dev NAME netns NS [name NEW]` */
export function moveLinkRequest(index: number, fd: number, name?: string): RequestBuilder {
  return linkRequest(C.RTM_NEWLINK, 0, { index }, name === undefined ? { netNsFd: fd } : { netNsFd: fd, ifname: name });
}

/**
 * Bridge options (only those given; `stpOn` is the STP state the bridge will have, which decides
 * the forward-delay range), or undefined when there are none.
 * Equivalent to: `ip link set NAME type bridge stp_state 1 ...`
 */
export function bridgeOptionsRequest(index: number, options: BridgeOptions, stpOn: boolean): RequestBuilder | undefined {
  const data = bridgeAttrs(options, stpOn);
  if (Object.keys(data).length === 0) return undefined;
  return linkRequest(C.RTM_NEWLINK, 0, { index }, { linkinfo: { kind: 'bridge', data } });
}

/** Bridge port options, or undefined when there are none. Equivalent to: `ip link set dev PORT type bridge_slave ...` */
export function bridgePortRequest(index: number, options: BridgePortOptions): RequestBuilder | undefined {
  const slaveData = portAttrs(options);
  if (Object.keys(slaveData).length === 0) return undefined;
  return linkRequest(C.RTM_NEWLINK, 0, { index }, { linkinfo: { slaveKind: 'bridge', slaveData } });
}
