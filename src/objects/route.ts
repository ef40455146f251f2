// SPDX-License-Identifier: MIT
// Routes of a namespace, IPv4 and IPv6: `ip route add/replace/del/show` over rtnetlink.

import { NetlinkError } from '../errors';
import { delRouteRequest, dumpRouteRequest, newRouteRequest, parseRoute, Route, RouteFilter, RouteSpec } from '../rtnl/route-ops';
import { familyOf } from '../rtnl/addr-ops';
import * as C from '../rtnl/constants';
import { mapInSlices } from '../util/slices';
import { sendRtnl } from './address';
import type { Namespace } from './namespace';

export type { Nexthop, Route, RouteFilter, RouteProtocol, RouteSpec, RouteTable, RouteType } from '../rtnl/route-ops';

const UNREACHABLE_GATEWAY = 'The gateway is not on any connected prefix of an up link (add an address in its subnet, or pass { onlink: true })';

/** addRoute's options: a route, and whether to replace one that exists. */
export interface AddRouteOptions extends RouteSpec {
  /** Replace the route with the same destination, table and metric instead of failing with EEXIST. */
  replace?: boolean;
}

/**
 * Adds a route. A gateway (`via`) must be reachable through a connected prefix of an up link,
 * unless `onlink`; the kernel says which when it is not ("Nexthop has invalid gateway").
 * A container's default route: `addRoute(ns, { to: 'default', via: '10.0.0.1' })`.
 *
 * Equivalent to: `ip route add|replace [TYPE] TO [from SRC] [via GW] [dev DEV] [table T] [metric M] [src S] [scope S] [proto P] [mtu N] [onlink]`
 */
export async function addRoute(ns: Namespace, route: AddRouteOptions): Promise<void> {
  const { builder, describe } = newRouteRequest(route, route?.replace === true);
  await sendRtnl(ns, builder, {
    op: 'RTM_NEWROUTE',
    describe,
    ...(route.dev !== undefined ? { ifindex: route.dev } : {}),
    hints: {
      EEXIST: 'A route to this destination with this metric already exists in the table (pass { replace: true } to replace it)',
      ENETUNREACH: UNREACHABLE_GATEWAY,
      EHOSTUNREACH: UNREACHABLE_GATEWAY, // IPv6's errno for the same, without an ext-ACK message
      ENETDOWN: 'The output link is down',
    },
  });
}

/**
 * Removes the first route that matches: `to` and the table always, every other field given
 * (gateway, dev, metric, protocol, type, scope) too. A Route from listRoutes can be passed as is.
 *
 * Equivalent to: `ip route del TO [via GW] [dev DEV] [table T] [metric M]`
 */
export async function removeRoute(ns: Namespace, route: RouteSpec): Promise<void> {
  const { builder, describe } = delRouteRequest(route);
  await sendRtnl(ns, builder, {
    op: 'RTM_DELROUTE',
    describe,
    ...(route.dev !== undefined ? { ifindex: route.dev } : {}),
    hints: { ESRCH: 'No route matched' },
  });
}

/**
 * Routes of one table (default 'main'; 'all' for every table), IPv4 and IPv6 unless `family`,
 * optionally only those through `dev`. Each family is dumped on its own so the kernel filters by
 * table, and a table that does not exist (yet) is simply empty.
 *
 * Equivalent to: `ip [-4|-6] route show [table T|all] [dev DEV]`
 */
export async function listRoutes(ns: Namespace, filter: RouteFilter = {}): Promise<Route[]> {
  const versions = filter.family === undefined ? ([4, 6] as const) : [filter.family];
  familyOf(filter.family); // validates before anything is sent
  const out: Route[] = [];
  for (const v of versions) {
    const builder = dumpRouteRequest(v, filter);
    let msgs;
    try {
      msgs = await sendRtnl(ns, builder, {
        op: 'RTM_GETROUTE',
        dump: true,
        describe: `list IPv${v} routes of table ${filter.table ?? 'main'}`,
        ...(filter.dev !== undefined ? { ifindex: filter.dev } : {}),
      });
    } catch (e) {
      // The kernel answers a dump of a table it never created with ENOENT ("FIB table does not exist").
      if (e instanceof NetlinkError && e.code === 'ENOENT' && filter.table !== 'all') continue;
      throw e;
    }
    out.push(...(await mapInSlices(msgs, (m) => (m.type === C.RTM_NEWROUTE ? parseRoute(m) : undefined))));
  }
  return out;
}
