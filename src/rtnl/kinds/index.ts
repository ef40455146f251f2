// SPDX-License-Identifier: MIT
// The registry of link kind drivers: the one place a kind is added. Everything else (the
// IFLA_INFO_DATA sub-message, Link.create's typed options, `link.data`) follows from this table.

import { AttrSet } from '../../netlink/schema';
import { bridge } from './bridge';
import { bridgePortAttrs } from './bridge-port';
import { KindDriver } from './driver';
import { tun } from './tun';
import { veth } from './veth';

export const kindDrivers = {
  veth,
  bridge,
  tun,
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
