// SPDX-License-Identifier: MIT
// The registry of link kind drivers: the one place a kind is added. Everything else (the
// IFLA_INFO_DATA sub-message, Link.create's typed options, `link.data`) follows from this table.

import { AttrSet } from '../../netlink/schema';
import { bond } from './bond';
import { bridge } from './bridge';
import { bridgePortAttrs } from './bridge-port';
import { KindDriver } from './driver';
import { dummy } from './dummy';
import { geneve } from './geneve';
import { gre } from './gre';
import { gretap } from './gretap';
import { ifb } from './ifb';
import { ipip } from './ipip';
import { ipvlan } from './ipvlan';
import { macvlan } from './macvlan';
import { macvtap } from './macvtap';
import { sit } from './sit';
import { tun } from './tun';
import { veth } from './veth';
import { vlan } from './vlan';
import { vrf } from './vrf';
import { vxlan } from './vxlan';
import { xfrm } from './xfrm';

export const kindDrivers = {
  veth,
  bridge,
  tun,
  macvlan,
  macvtap,
  ipvlan,
  vlan,
  vxlan,
  geneve,
  ifb,
  dummy,
  bond,
  gre,
  gretap,
  ipip,
  sit,
  vrf,
  xfrm,
} as const;

/** The link kinds vnetkit has a driver for. `Link.kind` may still be any other kind the kernel reports. */
export type KnownLinkKind = keyof typeof kindDrivers;

/** A link kind: one vnetkit knows, or another the kernel reported (decoded without a typed view). */
export type LinkKind = KnownLinkKind | (string & {});

/** Creation options of kind K (what `Link.create({ kind: K, data })` takes as `data`). */
export type KindOptions<K extends KnownLinkKind> = (typeof kindDrivers)[K] extends KindDriver<infer O, object> ? O : never;

/** Decoded IFLA_INFO_DATA of kind K (what `link.data` is for a link of that kind). */
export type KindData<K extends string> = K extends KnownLinkKind
  ? (typeof kindDrivers)[K] extends KindDriver<object, infer D>
    ? D
    : never
  : Record<string, unknown> | Uint8Array;

const drivers: ReadonlyMap<string, KindDriver> = new Map(Object.values(kindDrivers).map((d) => [d.kind, d as KindDriver]));

/** The driver of `kind`, or undefined for a kind vnetkit has none for. */
export function kindDriver(kind: string): KindDriver | undefined {
  return drivers.get(kind);
}

/** IFLA_INFO_DATA formats by IFLA_INFO_KIND. A kind missing here is still decoded, as raw bytes. */
export const linkKinds: Readonly<Record<string, AttrSet>> = Object.fromEntries(
  Object.values(kindDrivers).flatMap((d) => ((d as KindDriver).schema ? [[d.kind, (d as KindDriver).schema!]] : [])),
);

/** IFLA_INFO_SLAVE_DATA formats by IFLA_INFO_SLAVE_KIND (the port's view of its master). */
export const linkSlaveKinds: Readonly<Record<string, AttrSet>> = {
  bridge: bridgePortAttrs,
};
