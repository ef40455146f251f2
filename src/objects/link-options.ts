// SPDX-License-Identifier: MIT
// Link.create's and link.set's input types. The checks and the attributes behind them live in rtnl
// (link-common.ts for the options every link has, kinds/<kind>.ts for the kind's own).

import { KindOptions, KnownLinkKind, LinkKind } from '../rtnl/kinds';
import { LinkBasics } from '../rtnl/link-common';
import { LinkChanges } from '../rtnl/link-set';
import type { Link } from './link';
import type { Namespace } from './namespace';

/** A link given by object, name or index (names and indexes are looked up where the option says). */
export type LinkArg = Link | { readonly link: Link } | string | number;

/** Options of `Link.create`; `data` holds the options of the kind (typed for the kinds vnetkit knows). */
export interface LinkCreateOptions<K extends LinkKind = LinkKind> extends LinkBasics {
  /** Link kind (IFLA_INFO_KIND): 'veth', 'bridge', 'macvlan', 'vxlan', 'dummy', ... */
  kind: K;
  /** Namespace to create it in (default: the current one). */
  namespace?: Namespace;
  /** Bring the link up in the same request. */
  up?: boolean;
  /**
   * The device the new link sits on (IFLA_LINK): macvlan, macvtap, ipvlan and vlan need one. A
   * `Link` may be in another namespace than `namespace` (CNI's macvlan: a host NIC's macvlan for a
   * container); the link is then created on the parent's side and lands in `namespace` in the same
   * request. A name or index is looked up in `parentNamespace` (default: `namespace`).
   */
  parent?: LinkArg;
  /** Where a `parent` given by name or index is (default: `namespace`). */
  parentNamespace?: Namespace;
  /** Make the new link a port of this bridge (or other master), in the same namespace. */
  master?: LinkArg;
  /**
   * Transmit / receive queues (IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES), 1..4096. For 'veth' both
   * ends default to 1 (see VethPair's `txQueues` for why it is sent); other kinds get the
   * kernel's default when omitted.
   */
  txQueues?: number;
  rxQueues?: number;
  /** For kind 'veth': the other end (same as `data.peer`). */
  peer?: LinkBasics;
  /** The kind's own options (IFLA_INFO_DATA), e.g. `{ mode: 'bridge' }` for a macvlan. */
  data?: K extends KnownLinkKind ? KindOptions<K> : never;
}

/** Changes accepted by `link.set()`: `ip link set` options, and the kind's own as `data`. */
export interface LinkSetOptions<K extends LinkKind = LinkKind> extends Omit<LinkChanges, 'data'> {
  /** The kind's own options to change (only those given), e.g. `{ mode: 'private' }` for a macvlan. */
  data?: K extends KnownLinkKind ? Partial<KindOptions<K>> : never;
}
