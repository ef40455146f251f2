// SPDX-License-Identifier: MIT
// A NETLINK_NETFILTER socket opened inside a namespace (on the namespace thread), shared by the
// firewall, the ruleset listing and conntrack.

import { Connection } from '../netlink/connection';
import { Namespace } from '../objects/namespace';
import { NETLINK_NETFILTER } from './constants';

/** Opens the socket in `ns`. Buffers in bytes: a batch is one datagram, and is answered all at once. */
export function openNetfilter(ns: Namespace, buffers: { sndbuf?: number; rcvbuf?: number } = {}): Promise<Connection> {
  return Connection.open({ nsFd: ns === Namespace.current() ? -1 : ns.assertOpen(), protocol: NETLINK_NETFILTER, label: ns.label, ...buffers });
}
