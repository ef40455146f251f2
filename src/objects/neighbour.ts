// SPDX-License-Identifier: MIT
// The neighbour tables (ARP for IPv4, NDP for IPv6) of a namespace: `ip neigh add/replace/del/show`.

import { delNeighbourRequest, dumpNeighbourRequest, Neighbour, NeighbourFilter, NeighbourSpec, newNeighbourRequest, parseNeighbour } from '../rtnl/neigh-ops';
import * as C from '../rtnl/constants';
import { mapInSlices } from '../util/slices';
import { sendRtnl } from './address';
import type { Namespace } from './namespace';

export type { Neighbour, NeighbourFilter, NeighbourSpec } from '../rtnl/neigh-ops';

/**
 * Adds a neighbour entry: permanent by default, so the kernel never probes for it nor forgets it.
 *
 * Equivalent to: `ip neigh add|replace ADDR lladdr MAC dev DEV nud permanent|reachable [router]`
 */
export async function addNeighbour(ns: Namespace, spec: NeighbourSpec): Promise<void> {
  const { builder, describe } = newNeighbourRequest(spec);
  await sendRtnl(ns, builder, {
    op: 'RTM_NEWNEIGH',
    describe,
    ifindex: spec.ifindex,
    hints: { EEXIST: 'The entry exists (pass { replace: true } to update it)' },
  });
}

/**
 * Removes a neighbour entry.
 *
 * Equivalent to: `ip neigh del ADDR dev DEV`
 */
export async function removeNeighbour(ns: Namespace, spec: { ifindex: number; address: string }): Promise<void> {
  const { builder, describe } = delNeighbourRequest(spec);
  await sendRtnl(ns, builder, {
    op: 'RTM_DELNEIGH',
    describe,
    ifindex: spec.ifindex,
    hints: { ENOENT: 'There is no such neighbour entry' },
  });
}

/**
 * Neighbour entries of every link or one, IPv4 and IPv6 or one family, in every state (NOARP and
 * FAILED entries included, which `ip neigh show` hides unless `nud all`).
 *
 * Equivalent to: `ip [-4|-6] neigh show [dev DEV] nud all`
 */
export async function listNeighbours(ns: Namespace, filter: NeighbourFilter = {}): Promise<Neighbour[]> {
  const builder = dumpNeighbourRequest(filter);
  const msgs = await sendRtnl(ns, builder, {
    op: 'RTM_GETNEIGH',
    dump: true,
    describe: filter.ifindex === undefined ? 'list neighbours' : `list neighbours of ifindex ${filter.ifindex}`,
  });
  return mapInSlices(msgs, (m) => (m.type === C.RTM_NEWNEIGH ? parseNeighbour(m) : undefined));
}
