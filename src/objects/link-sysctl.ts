// SPDX-License-Identifier: MIT
// `link.sysctl`: the per-interface kernel parameters of a link (net.ipv4.conf.<ifname>.*, ...).
// Added to Link here, through declaration merging, so link.ts keeps to the link itself.

import { InvalidArgumentError } from '../errors';
import { Link } from './link';
import { listKeys, MissingHint, readKeys, SysctlEntry, writeKeys } from './sysctl';
import { LinkSysctlKey, linkSysctlPath, parseLinkSysctlKey, SysctlKey, SysctlValue, sysctlValueText } from './sysctl-keys';

const missing: MissingHint = (k) =>
  k.path.includes('/ipv6/')
    ? 'the interface has no IPv6 state (an MTU below 1280, or IPv6 not available on this kind of device), or no such key'
    : 'no such key for this interface';

/**
 * The sysctls of one interface. Keys are relative to it: `ipv4.arp_notify`, `ipv6.accept_ra`,
 * `ipv6.accept_dad`, `ipv4.route_localnet`, `ipv4.forwarding`, `ipv6.disable_ipv6`,
 * `ipv4.neigh.base_reachable_time_ms` (slash form too: `ipv4/arp_notify`). The interface's name is
 * looked up by index at each call, so a renamed link keeps its keys: `Link` is a snapshot, the
 * files are named after the link's current name (`/proc/sys/net/ipv4/conf/<ifname>/arp_notify`).
 * Errors as for `ns.sysctl`.
 */
export class LinkSysctl {
  constructor(readonly link: Link) {}

  // Builds the paths under the link's name now; if a file is missing because the link was renamed
  // between the lookup and the job, looks it up again and retries once.
  private async run<T>(keys: readonly LinkSysctlKey[], fn: (paths: SysctlKey[]) => Promise<T>): Promise<T> {
    let name = (await Link.get(this.link.index, this.link.namespace)).name;
    try {
      return await fn(keys.map((k) => linkSysctlPath(k, name)));
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
      const now = (await Link.get(this.link.index, this.link.namespace)).name;
      if (now === name) throw e;
      name = now;
      return fn(keys.map((k) => linkSysctlPath(k, name)));
    }
  }

  /**
   * The value of a per-interface key, without the newline. With an array, all in one job.
   *
   * Equivalent to: `ip netns exec NS sysctl -n net.ipv4.conf.IFNAME.arp_notify`
   */
  get(key: string): Promise<string>;
  get(keys: readonly string[]): Promise<Record<string, string>>;
  async get(key: string | readonly string[]): Promise<string | Record<string, string>> {
    const list = Array.isArray(key) ? (key as readonly string[]) : [key as string];
    const parsed = list.map((k) => parseLinkSysctlKey(k));
    const values = await this.run(parsed, (paths) => readKeys(this.link.namespace, paths, missing));
    return Array.isArray(key) ? Object.fromEntries(list.map((k, i) => [k, values[i]!])) : values[0]!;
  }

  /**
   * Sets a per-interface key and resolves with its old value; with an object, many keys in one job,
   * all or nothing, resolving with the old values (see NamespaceSysctl.set).
   *
   * Equivalent to: `ip netns exec NS sysctl -w net.ipv4.conf.IFNAME.arp_notify=1`
   */
  set(key: string, value: SysctlValue): Promise<string | null>;
  set(values: Readonly<Record<string, SysctlValue | null>>): Promise<Record<string, string | null>>;
  async set(key: string | Readonly<Record<string, SysctlValue | null>>, value?: SysctlValue): Promise<string | null | Record<string, string | null>> {
    const one = typeof key === 'string';
    if (!one && (key === null || typeof key !== 'object' || Array.isArray(key))) {
      throw new InvalidArgumentError('values', key, 'set(key, value) or set({ key: value, ... })');
    }
    const entries: [string, unknown][] = one ? [[key, value]] : Object.entries(key).filter(([, v]) => v !== null);
    if (entries.length === 0) return {};
    const parsed = entries.map(([k]) => parseLinkSysctlKey(k));
    // Values are checked before the lookup, with the key as the caller wrote it.
    const texts = entries.map(([k, v]) => sysctlValueText(v, k));
    const old = await this.run(parsed, (paths) => writeKeys(this.link.namespace, paths, texts, missing));
    return one ? old[0]! : Object.fromEntries(entries.map(([k], i) => [k, old[i]!]));
  }

  /**
   * Every key of this interface, IPv4 and IPv6 (conf and neigh), keyed relative to it
   * (`ipv4.arp_notify`, `ipv6.neigh.retrans_time_ms`), in one job per directory.
   *
   * Equivalent to: `ip netns exec NS sysctl -a -r '^net\.ipv[46]\.(conf|neigh)\.IFNAME\.'`
   */
  async list(): Promise<SysctlEntry[]> {
    const name = (await Link.get(this.link.index, this.link.namespace)).name;
    const out: SysctlEntry[] = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      for (const table of ['conf', 'neigh'] as const) {
        const dir = linkSysctlPath({ family, table, name: '' }, name);
        const root = { key: dir.key.slice(0, -1), path: dir.path.slice(0, -1) };
        const entries = await listKeys(this.link.namespace, root).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'ENOENT') return []; // no IPv6 state on this device
          throw e;
        });
        const prefix = table === 'conf' ? family : `${family}.neigh`;
        for (const e of entries) out.push({ ...e, key: `${prefix}.${e.key.slice(root.key.length + 1)}` });
      }
    }
    return out;
  }
}

declare module './link' {
  interface Link {
    /** This interface's kernel parameters (`ipv4.arp_notify`, `ipv6.accept_ra`, ...): `get`, `set`, `list`. See LinkSysctl. */
    readonly sysctl: LinkSysctl;
  }
}

Object.defineProperty(Link.prototype, 'sysctl', {
  configurable: true,
  get(this: Link): LinkSysctl {
    return new LinkSysctl(this);
  },
});
