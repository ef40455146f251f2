// SPDX-License-Identifier: MIT
// `ns.sysctl`: kernel parameters of one network namespace (net.*). Added to Namespace here, through
// declaration merging, so namespace.ts keeps to the namespace itself.

import { InvalidArgumentError } from '../errors';
import { yieldIfBusy } from '../util/slices';
import { Namespace } from './namespace';
import { listKeys, readKeys, SysctlEntry, writeKeys } from './sysctl';
import { HOST_WIDE_NET_KEYS, parseSysctlKey, parseSysctlPrefix, SysctlValue, sysctlValueText } from './sysctl-keys';

/**
 * The sysctls of one network namespace. Keys are written in full, as sysctl(8) takes them, dotted
 * (`net.ipv4.ip_forward`; a dot inside an interface name written '/': `net.ipv4.conf.eth0/100.arp_notify`)
 * or as a path (`net/ipv4/conf/eth0.100/arp_notify`, or `/proc/sys/net/...`). Only `net.*` keys:
 * `kernel.*`, `vm.*` and the few `net.*` keys the kernel keeps host-wide (see HOST_WIDE_NET_KEYS) are
 * refused with InvalidArgumentError before anything is opened. Kernel refusals are `SysctlError`s.
 *
 * Every call is one job on vnetkit's namespace thread, which enters the namespace, opens the files
 * under /proc/sys/net (they resolve against the opening thread's namespace), reads or writes them and
 * returns. Nothing runs on the main thread or the libuv pool; no process is spawned.
 */
export class NamespaceSysctl {
  constructor(readonly namespace: Namespace) {}

  /**
   * A key's value as the kernel prints it, without the newline (several numbers are tab-separated).
   * With an array of keys, all are read in one job and returned by the keys as given.
   *
   * Equivalent to: `ip netns exec NS sysctl -n key`
   */
  get(key: string): Promise<string>;
  get(keys: readonly string[]): Promise<Record<string, string>>;
  async get(key: string | readonly string[]): Promise<string | Record<string, string>> {
    await yieldIfBusy();
    if (Array.isArray(key)) {
      const keys = (key as readonly string[]).map((k) => parseSysctlKey(k));
      const values = await readKeys(this.namespace, keys);
      return Object.fromEntries(key.map((k: string, i) => [k, values[i]!]));
    }
    const [value] = await readKeys(this.namespace, [parseSysctlKey(key)]);
    return value!;
  }

  /**
   * Sets a key and resolves with its old value (null for a write-only key such as
   * `net.ipv4.route.flush`). With an object, sets every key in one job and resolves with the old
   * values by the same keys, so `await ns.sysctl.set(old)` restores them (a null value is skipped:
   * the old "value" of a write-only key). Values: a string as
   * sysctl(8) takes it, an integer, a boolean (1/0), or an array of numbers (written tab-separated).
   *
   * All or nothing: every key is opened and read before anything is written, so an unknown or
   * read-only key writes nothing; if the kernel refuses a value, the keys already written get their
   * old values back in the same job, and the rejection (a `SysctlError`, `reason` 'invalid-value')
   * names the key and value and lists them in `restored`.
   *
   * Equivalent to: `ip netns exec NS sysctl -w key=value [key=value ...]`
   */
  set(key: string, value: SysctlValue): Promise<string | null>;
  set(values: Readonly<Record<string, SysctlValue | null>>): Promise<Record<string, string | null>>;
  async set(key: string | Readonly<Record<string, SysctlValue | null>>, value?: SysctlValue): Promise<string | null | Record<string, string | null>> {
    await yieldIfBusy();
    if (typeof key === 'string') {
      const k = parseSysctlKey(key);
      const [old] = await writeKeys(this.namespace, [k], [sysctlValueText(value, k.key)]);
      return old!;
    }
    if (key === null || typeof key !== 'object' || Array.isArray(key)) {
      throw new InvalidArgumentError('values', key, 'set(key, value) or set({ key: value, ... })');
    }
    const names = Object.keys(key).filter((n) => key[n] !== null);
    if (names.length === 0) return {};
    const keys = names.map((n) => parseSysctlKey(n));
    const texts = keys.map((k, i) => sysctlValueText(key[names[i]!], k.key));
    const old = await writeKeys(this.namespace, keys, texts);
    return Object.fromEntries(names.map((n, i) => [n, old[i]!]));
  }

  /**
   * Every key under `prefix` (default `net`; a directory such as `net.ipv4.conf.eth0` or one key),
   * with its value, mode bits and whether it is writable, read in one job and sorted by key.
   * Write-only entries are listed with a null value. Host-wide keys are left out.
   *
   * Equivalent to: `ip netns exec NS sysctl -a -r '^PREFIX'`
   */
  async list(prefix = 'net'): Promise<SysctlEntry[]> {
    await yieldIfBusy();
    return listKeys(this.namespace, parseSysctlPrefix(prefix), (k) => !HOST_WIDE_NET_KEYS.has(k));
  }
}

declare module './namespace' {
  interface Namespace {
    /** This namespace's kernel parameters (net.*): `get`, `set`, `list`. See NamespaceSysctl. */
    readonly sysctl: NamespaceSysctl;
  }
}

const handles = new WeakMap<Namespace, NamespaceSysctl>();
Object.defineProperty(Namespace.prototype, 'sysctl', {
  configurable: true,
  get(this: Namespace): NamespaceSysctl {
    let s = handles.get(this);
    if (!s) handles.set(this, (s = new NamespaceSysctl(this)));
    return s;
  },
});
