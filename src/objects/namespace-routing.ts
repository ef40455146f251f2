// SPDX-License-Identifier: MIT
// Addresses, routes and neighbours of a Namespace (the operations live in address.ts, route.ts and
// neighbour.ts). Added to the class here, through declaration merging, so namespace.ts keeps to the
// namespace itself. A route's or neighbour's device may be given as a Link.

import { Address, AddressFilter, listAddresses } from './address';
import { Link } from './link';
import { Namespace } from './namespace';
import { addNeighbour, listNeighbours, Neighbour, NeighbourFilter, NeighbourSpec, removeNeighbour } from './neighbour';
import { addRoute, AddRouteOptions, listRoutes, removeRoute, Route, RouteFilter, RouteSpec } from './route';

type WithDev<T extends { dev?: number }> = Omit<T, 'dev'> & { dev?: number | Link };
type WithIfindex<T extends { ifindex: number }> = Omit<T, 'ifindex'> & { ifindex: number | Link };

declare module './namespace' {
  interface Namespace {
    /** Every address in this namespace (optionally one family or link). Equivalent to: `ip -n NS addr show` */
    addresses(filter?: AddressFilter): Promise<Address[]>;
    /**
     * Adds a route, e.g. `{ to: 'default', via: '10.0.0.1' }` (IPv4 or IPv6).
     *
     * Equivalent to: `ip -n NS route add|replace TO [via GW] [dev DEV] [table T] [metric M] [src S]`
     */
    addRoute(route: WithDev<AddRouteOptions>): Promise<void>;
    /** Removes a route. Equivalent to: `ip -n NS route del TO [via GW] [dev DEV] [table T] [metric M]` */
    removeRoute(route: WithDev<RouteSpec>): Promise<void>;
    /** Routes of the main table (or `{ table }`, or 'all'). Equivalent to: `ip -n NS route show [table T]` */
    routes(filter?: WithDev<RouteFilter>): Promise<Route[]>;
    /** ARP and NDP entries. Equivalent to: `ip -n NS neigh show` */
    neighbours(filter?: NeighbourFilter): Promise<Neighbour[]>;
    /** Adds a (by default permanent) neighbour entry. Equivalent to: `ip -n NS neigh add ADDR lladdr MAC dev DEV nud permanent` */
    addNeighbour(spec: WithIfindex<NeighbourSpec>): Promise<void>;
    /** Removes a neighbour entry. Equivalent to: `ip -n NS neigh del ADDR dev DEV` */
    removeNeighbour(spec: { ifindex: number | Link; address: string }): Promise<void>;
  }
}

const index = (d: number | Link): number => (typeof d === 'number' ? d : d.index);
function withDev<T extends { dev?: number | Link }>(o: T): T & { dev?: number } {
  return (o.dev === undefined ? o : { ...o, dev: index(o.dev) }) as T & { dev?: number };
}

Namespace.prototype.addresses = function (this: Namespace, filter?: AddressFilter) {
  return listAddresses(this, filter);
};
Namespace.prototype.addRoute = function (this: Namespace, route) {
  return addRoute(this, withDev(route));
};
Namespace.prototype.removeRoute = function (this: Namespace, route) {
  return removeRoute(this, withDev(route));
};
Namespace.prototype.routes = function (this: Namespace, filter) {
  return listRoutes(this, filter ? withDev(filter) : {});
};
Namespace.prototype.neighbours = function (this: Namespace, filter?: NeighbourFilter) {
  return listNeighbours(this, filter);
};
Namespace.prototype.addNeighbour = function (this: Namespace, spec) {
  return addNeighbour(this, { ...spec, ifindex: index(spec.ifindex) });
};
Namespace.prototype.removeNeighbour = function (this: Namespace, spec) {
  return removeNeighbour(this, { ...spec, ifindex: index(spec.ifindex) });
};
