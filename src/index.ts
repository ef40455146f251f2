// SPDX-License-Identifier: MIT
// Public API. Everything else under src/ is internal and may change.

import { native as loadNative } from './native/binding';

// Methods added to Link and Namespace by declaration merging (addresses, routes, neighbours,
// programs, sockets and sysctls of a namespace or link).
import './objects/link-addresses';
import './objects/namespace-routing';
import './objects/namespace-exec';
import './objects/namespace-sockets';
import './objects/namespace-sysctl';
import './objects/link-sysctl';

export { Namespace } from './objects/namespace';
export type { NamespaceCreateOptions, NamedNamespace } from './objects/namespace';
export { NamespaceMonitor } from './objects/namespace-monitor';
export type { NamespaceEvent } from './objects/namespace-monitor';
export type { ExecResult } from './objects/namespace-exec';
export { NamespaceSysctl } from './objects/namespace-sysctl';
export { LinkSysctl } from './objects/link-sysctl';
export type { SysctlEntry } from './objects/sysctl';
export type { SysctlValue } from './objects/sysctl-keys';
export { Link } from './objects/link';
export { VethPair } from './objects/veth-pair';
export type { VethPairOptions, VethEndOptions } from './objects/veth-pair';
export type { LinkFilter } from './objects/bulk';
export { Bridge } from './objects/bridge';
export type { BridgeCreateOptions, BridgePort, BridgeSetOptions } from './objects/bridge';
export type { BridgeOptions, BridgePortOptions, PortInfo, PortState } from './rtnl/kinds/bridge-options';
export type { VlanEntry } from './rtnl/bridge-ops';
export type { FdbEntry, FdbState } from './rtnl/fdb-ops';
export type { LinkArg, LinkCreateOptions, LinkSetOptions, LinkRef, LinkListFilter } from './objects/link';
export type { KindData, KindOptions, KnownLinkKind, LinkKind } from './rtnl/kinds';
export type { DeviceRef } from './rtnl/kinds/driver';
export type { LinkBasics } from './rtnl/link-common';
export type { MacvlanData, MacvlanMode, MacvlanOptions } from './rtnl/kinds/macvlan';
export type { MacvtapData, MacvtapOptions } from './rtnl/kinds/macvtap';
export type { IpvlanData, IpvlanOptions } from './rtnl/kinds/ipvlan';
export type { VlanData, VlanOptions, VlanProtocol } from './rtnl/kinds/vlan';
export type { VxlanData, VxlanOptions } from './rtnl/kinds/vxlan';
export type { GeneveData, GeneveOptions } from './rtnl/kinds/geneve';
export type { BondData, BondOptions } from './rtnl/kinds/bond';
export type { GreData, GreOptions } from './rtnl/kinds/gre';
export type { GretapData, GretapOptions } from './rtnl/kinds/gretap';
export type { IpTunnelData, IpTunnelOptions } from './rtnl/kinds/ipip';
export type { SitData, SitOptions } from './rtnl/kinds/sit';
export type { TunnelEncap, TunnelEncapData } from './rtnl/kinds/tunnel';
export type { VrfData, VrfOptions } from './rtnl/kinds/vrf';
export type { DummyData, DummyOptions } from './rtnl/kinds/dummy';
export type { IfbData, IfbOptions } from './rtnl/kinds/ifb';
export type { BridgeData } from './rtnl/kinds/bridge';
export type { TunData } from './rtnl/kinds/tun';
export type { VethData, VethOptions } from './rtnl/kinds/veth';
export type { LinkStats, OperState } from './rtnl/link-ops';
export { addAddress, removeAddress, listAddresses } from './objects/address';
export type { AddAddressOptions, Address, AddressFilter, IpVersion, Scope, ScopeName } from './objects/address';
export { addRoute, removeRoute, listRoutes } from './objects/route';
export type { AddRouteOptions, Nexthop, Route, RouteFilter, RouteProtocol, RouteSpec, RouteTable, RouteType } from './objects/route';
export { addNeighbour, removeNeighbour, listNeighbours } from './objects/neighbour';
export type { Neighbour, NeighbourFilter, NeighbourSpec } from './objects/neighbour';
export { TunTap, TunQueue } from './objects/tuntap';
export { Firewall, FirewallRule } from './nft/firewall';
export type { FirewallOptions } from './nft/firewall';
export type { ApplyResult } from './nft/apply';
export type { DesiredRule, FirewallChain, MasqueradeOptions, PortMapOptions, RuleMatch, RuleOptions, SnatOptions } from './nft/recipes';

export { Conntrack } from './nft/conntrack';
export type { ConntrackEntry, ConntrackFilter, ConntrackTuple } from './nft/conntrack';
export type { RulesetChain, RulesetRule, RulesetTable } from './nft/ruleset';
export type { TunTapOptions, TunTapOpenOptions, PersistentTunTapOptions, TunTapMode } from './objects/tuntap';
export {
  VnetkitError,
  NetlinkError,
  KernelFeatureError,
  DumpInterruptedError,
  DecodeError,
  EncodeError,
  InvalidArgumentError,
  ClosedError,
  LinkNotFoundError,
  LinkExistsError,
  NetnsImmutableError,
  NamespaceError,
  TunTapError,
  SysctlError,
  BatchError,
} from './errors';
export type { ExtAck, TunTapFailure, SysctlFailure } from './errors';

// Load the addon now, while the program is importing its modules, rather than in the middle of the
// first call: dlopen is synchronous, and from a cold page cache it held the event loop ~90 ms
// (measured on this project's VM) at a moment when an application already serves requests. A load
// failure is not thrown here; the first call that needs the addon reports it.
try {
  loadNative();
} catch {
  // reported by the first call that needs the addon
}
