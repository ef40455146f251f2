// SPDX-License-Identifier: MIT
// newLinkRequest: the one builder of every link create request (RTM_NEWLINK with NLM_F_CREATE |
// NLM_F_EXCL). Common options become IFLA_* attributes here; the kind's own options go through its
// driver (kinds/), which validates them and encodes IFLA_INFO_DATA.

import { InvalidArgumentError, KernelFeatureError, NetlinkError } from '../errors';
import { Values } from '../netlink/codec';
import { NLM_F_ECHO } from '../netlink/constants';
import { RequestBuilder } from '../netlink/message';
import * as C from './constants';
import { kindDriver } from './kinds';
import { commonLinkAttrs, LinkBasics } from './link-common';
import { linkRequest, newLinkFlags } from './link-ops';

/** Everything a create request can say, with devices already resolved to ifindexes. */
export interface NewLinkSpec extends LinkBasics {
  /** IFLA_INFO_KIND. */
  kind: string;
  /** The kind's options, checked and encoded by its driver. */
  data?: object;
  /** Bring the link up in the same request. */
  up?: boolean;
  /** IFLA_LINK: the parent device's index (macvlan, vlan, ipvlan), in the sender's namespace. */
  parent?: number;
  /** IFLA_MASTER: index of the bridge (or other master) to attach to. */
  master?: number;
  /** IFLA_NET_NS_FD: create the link in that namespace (the caller holds the fd open until the reply). */
  netNsFd?: number;
}

/**
 * Builds the create request for `spec` (with NLM_F_ECHO, so the reply carries the new link).
 * Throws InvalidArgumentError before anything is sent when an option is wrong.
 */
export function newLinkRequest(spec: NewLinkSpec): RequestBuilder {
  const kind = spec.kind;
  if (typeof kind !== 'string' || kind === '') throw new InvalidArgumentError('kind', kind, 'expected a link kind such as "veth", "bridge" or "macvlan"');
  const driver = kindDriver(kind);
  if (driver?.creatable === false) throw new InvalidArgumentError('kind', kind, `"${kind}" links cannot be created over rtnetlink; use TunTap.create`);
  if (driver?.needsParent && spec.parent === undefined) throw new InvalidArgumentError('parent', spec.parent, `a ${kind} link needs a parent link (the device it sits on)`);
  const attrs = commonLinkAttrs(spec, '', driver?.defaultQueues, spec);
  const linkinfo: Values = { kind };
  if (driver) {
    const data = driver.encode(spec.data ?? {}, 'data.');
    if (data !== undefined) linkinfo.data = data;
  } else if (spec.data !== undefined) {
    throw new InvalidArgumentError('data', spec.data, `vnetkit has no driver for link kind "${kind}", so it cannot encode options for it`);
  }
  attrs.linkinfo = linkinfo;
  const header = spec.up ? { flags: C.IFF_UP, change: C.IFF_UP } : {};
  return linkRequest(C.RTM_NEWLINK, newLinkFlags | NLM_F_ECHO, header, attrs);
}

/**
 * IFLA_LINKINFO for changing the kind's own options of an existing link (only those given).
 *
 * Equivalent to: `ip link set NAME type KIND [options]`
 */
export function kindChange(kind: string | undefined, data: object): Values {
  const driver = kind === undefined ? undefined : kindDriver(kind);
  if (!driver) throw new InvalidArgumentError('data', data, kind === undefined ? 'this link has no kind, so no kind options' : `vnetkit has no driver for link kind "${kind}"`);
  const encoded = driver.encode(data, 'data.', true);
  return encoded === undefined ? { kind } : { kind, data: encoded };
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
