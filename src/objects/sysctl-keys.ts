// SPDX-License-Identifier: MIT
// sysctl keys and values: parsing, refusal of what is not a network namespace's, and the
// /proc/sys path each key names. Pure functions; the files are opened by native/sysctl.cc.

import { InvalidArgumentError } from '../errors';

export const SYSCTL_ROOT = '/proc/sys/';

/** A key in its two spellings. */
export interface SysctlKey {
  /** As sysctl(8) prints it: dotted, with a dot inside a component written '/' (`net.ipv4.conf.eth0/100.arp_notify`). */
  key: string;
  /** The file: `/proc/sys/net/ipv4/conf/eth0.100/arp_notify`. */
  path: string;
}

// Top-level sysctl directories whose keys apply to the whole machine, never to one network namespace.
const HOST_WIDE_ROOTS = new Set(['kernel', 'vm', 'fs', 'dev', 'user', 'abi', 'debug', 'crypto', 'sunrpc', 'fscache']);

/**
 * net.* keys the kernel registers only for the initial network namespace: they are host-wide
 * (one value for the whole machine) even though they sit under net. A fresh namespace does not have
 * them. Listed from Linux 6.18 (the entries of /proc/sys/net in the initial namespace that a new one
 * lacks, per-interface directories aside).
 */
export const HOST_WIDE_NET_KEYS: ReadonlySet<string> = new Set(
  [
    'core.bpf_jit_enable', 'core.bpf_jit_harden', 'core.bpf_jit_kallsyms', 'core.bpf_jit_limit', 'core.busy_poll',
    'core.busy_read', 'core.default_qdisc', 'core.dev_weight', 'core.dev_weight_rx_bias', 'core.dev_weight_tx_bias',
    'core.devconf_inherit_init_net', 'core.fb_tunnels_only_for_init_net', 'core.flow_limit_cpu_bitmap',
    'core.flow_limit_table_len', 'core.gro_normal_batch', 'core.high_order_alloc_disable', 'core.max_skb_frags',
    'core.mem_pcpu_rsv', 'core.message_burst', 'core.message_cost', 'core.netdev_budget', 'core.netdev_budget_usecs',
    'core.netdev_max_backlog', 'core.netdev_rss_key', 'core.netdev_tstamp_prequeue', 'core.netdev_unregister_timeout_secs',
    'core.rps_sock_flow_entries', 'core.skb_defer_max', 'core.warnings', 'ipv4.cipso_cache_bucket_size',
    'ipv4.cipso_cache_enable', 'ipv4.cipso_rbm_optfmt', 'ipv4.cipso_rbm_strictvalid', 'ipv4.fib_sync_mem',
    'ipv4.inet_peer_maxttl', 'ipv4.inet_peer_minttl', 'ipv4.inet_peer_threshold', 'ipv4.ipfrag_secret_interval',
    'ipv4.route.error_burst', 'ipv4.route.error_cost', 'ipv4.route.gc_elasticity', 'ipv4.route.gc_interval',
    'ipv4.route.gc_min_interval', 'ipv4.route.gc_min_interval_ms', 'ipv4.route.gc_thresh', 'ipv4.route.gc_timeout',
    'ipv4.route.max_size', 'ipv4.route.redirect_load', 'ipv4.route.redirect_number', 'ipv4.route.redirect_silence',
    'ipv4.tcp_available_ulp', 'ipv4.tcp_low_latency', 'ipv4.tcp_max_orphans', 'ipv4.tcp_mem', 'ipv4.udp_mem',
    'ipv6.calipso_cache_bucket_size', 'ipv6.calipso_cache_enable', 'ipv6.ip6frag_secret_interval', 'ipv6.mld_max_msf',
    'ipv6.mld_qrv', 'netfilter.nf_log_all_netns', 'nf_conntrack_max',
  ].map((k) => `net.${k}`),
);

// A component of a key: what a sysctl name or an interface name can hold. Interface names exclude
// '/', ':' and whitespace (dev_valid_name); no control characters, and never '.' or '..'.
const BAD_CHAR = /[\s\x00-\x1f\x7f/:=*?[\]]/;

function checkComponents(parts: string[], argument: string, raw: string): void {
  for (const c of parts) {
    if (c === '') throw new InvalidArgumentError(argument, raw, 'a sysctl key has no empty components ("net.ipv4.ip_forward")');
    if (c === '.' || c === '..') throw new InvalidArgumentError(argument, raw, '"." and ".." are not sysctl key components');
    const bad = BAD_CHAR.exec(c);
    if (bad) throw new InvalidArgumentError(argument, raw, `a sysctl key cannot contain ${JSON.stringify(bad[0])}`);
    if (Buffer.byteLength(c) > 255) throw new InvalidArgumentError(argument, raw, 'a sysctl key component is at most 255 bytes');
  }
}

/**
 * Splits a key into path components. The first separator says which form it is, as sysctl(8)
 * decides: dotted (`net.ipv4.conf.eth0/100.arp_notify`, where '/' stands for a dot inside a
 * component) or slash (`net/ipv4/conf/eth0.100/arp_notify`, dots literal). A leading `/proc/sys/` is
 * accepted too.
 */
export function splitKey(raw: unknown, argument = 'key'): string[] {
  if (typeof raw !== 'string') throw new InvalidArgumentError(argument, raw, 'a sysctl key is a string like "net.ipv4.ip_forward"');
  if (raw.length === 0) throw new InvalidArgumentError(argument, raw, 'a sysctl key is a non-empty string like "net.ipv4.ip_forward"');
  if (raw.includes('\0')) throw new InvalidArgumentError(argument, raw, 'a sysctl key cannot contain NUL');
  let s = raw;
  if (s.startsWith(SYSCTL_ROOT)) s = s.slice(SYSCTL_ROOT.length);
  else if (s.startsWith('/')) throw new InvalidArgumentError(argument, raw, `an absolute sysctl path starts with ${SYSCTL_ROOT}net/`);
  if (s.split('/').some((c) => c === '.' || c === '..')) throw new InvalidArgumentError(argument, raw, '"." and ".." are not sysctl key components');
  const first = /[./]/.exec(s)?.[0];
  const parts = first === '/' ? s.split('/') : s.split('.').map((c) => c.replaceAll('/', '.'));
  checkComponents(parts, argument, raw);
  return parts;
}

/** Dotted spelling of path components (a dot inside a component becomes '/', as sysctl(8) prints it). */
export function joinKey(parts: readonly string[]): string {
  return parts.map((c) => c.replaceAll('.', '/')).join('.');
}

function refuseNonNet(parts: string[], argument: string, raw: string): void {
  if (parts[0] === 'net') return;
  if (HOST_WIDE_ROOTS.has(parts[0]!)) {
    throw new InvalidArgumentError(argument, raw, `${parts[0]}.* keys are host-wide (one value for the whole machine); only net.* keys belong to a network namespace`);
  }
  throw new InvalidArgumentError(argument, raw, 'only net.* keys belong to a network namespace; write the key in full, as sysctl(8) does ("net.ipv4.ip_forward")');
}

function refuseHostWideNet(key: string, argument: string, raw: string): void {
  if (HOST_WIDE_NET_KEYS.has(key)) {
    throw new InvalidArgumentError(argument, raw, `${key} is host-wide: the kernel has it only in the initial network namespace, with one value for the whole machine`);
  }
}

// Parsed keys by their spelling: a burst sets the same few keys in many namespaces, and parsing
// each one again (split, regular expressions) was most of the main thread's time in the benchmark.
const parsed = new Map<string, Readonly<SysctlKey>>();
const PARSED_MAX = 4096;

/** A namespace's key (`net.ipv4.ip_forward`, `net/ipv4/ip_forward`, `/proc/sys/net/ipv4/ip_forward`), or InvalidArgumentError. */
export function parseSysctlKey(raw: unknown, argument = 'key'): Readonly<SysctlKey> {
  const hit = typeof raw === 'string' ? parsed.get(raw) : undefined;
  if (hit) return hit;
  const k = Object.freeze(parseUncached(raw, argument));
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(raw as string, k);
  return k;
}

function parseUncached(raw: unknown, argument: string): SysctlKey {
  const parts = splitKey(raw, argument);
  refuseNonNet(parts, argument, raw as string);
  if (parts.length < 2) throw new InvalidArgumentError(argument, raw, '"net" is a directory; name a key under it ("net.ipv4.ip_forward")');
  const key = joinKey(parts);
  refuseHostWideNet(key, argument, raw as string);
  return { key, path: SYSCTL_ROOT + parts.join('/') };
}

/** A prefix for list(): `net` itself, or any directory or key under it. */
export function parseSysctlPrefix(raw: unknown = 'net'): SysctlKey {
  const parts = splitKey(raw, 'prefix');
  refuseNonNet(parts, 'prefix', raw as string);
  return { key: joinKey(parts), path: SYSCTL_ROOT + parts.join('/') };
}

/** A key relative to one interface: `ipv4.arp_notify`, `ipv6.accept_ra`, `ipv4.neigh.base_reachable_time_ms`. */
export interface LinkSysctlKey {
  family: 'ipv4' | 'ipv6';
  /** conf/<ifname>/NAME or neigh/<ifname>/NAME. */
  table: 'conf' | 'neigh';
  name: string;
}

const LINK_KEY_HELP = 'a per-interface key is "ipv4.NAME", "ipv6.NAME", "ipv4.neigh.NAME" or "ipv6.neigh.NAME" (e.g. "ipv4.arp_notify")';

export function parseLinkSysctlKey(raw: unknown, argument = 'key'): LinkSysctlKey {
  const parts = splitKey(raw, argument);
  const [family, ...rest] = parts;
  if (family !== 'ipv4' && family !== 'ipv6') {
    if (family === 'net') throw new InvalidArgumentError(argument, raw, `${LINK_KEY_HELP}; the interface's name is filled in by the link`);
    throw new InvalidArgumentError(argument, raw, LINK_KEY_HELP);
  }
  if (rest.length === 2 && rest[0] === 'neigh') return { family, table: 'neigh', name: rest[1]! };
  if (rest.length !== 1 || rest[0] === 'neigh') throw new InvalidArgumentError(argument, raw, LINK_KEY_HELP);
  return { family, table: 'conf', name: rest[0]! };
}

/** The key and file of a per-interface key for the interface named `ifname` (its name now). */
export function linkSysctlPath(k: LinkSysctlKey, ifname: string): SysctlKey {
  // The name goes into the path as it is: in the file system a dot in it is unambiguous.
  if (ifname === '' || ifname === '.' || ifname === '..' || /[/\0]/.test(ifname)) throw new InvalidArgumentError('ifname', ifname, 'not an interface name');
  const parts = ['net', k.family, k.table, ifname, k.name];
  return { key: joinKey(parts), path: SYSCTL_ROOT + parts.join('/') };
}

/** Values accepted by set(): text as sysctl(8) takes it, a number, a boolean (1/0), or several numbers (tab-separated). */
export type SysctlValue = string | number | bigint | boolean | readonly (string | number | bigint)[];

function one(v: unknown, key: string, whole: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`value of ${key}`, whole, 'a number must be a safe integer');
    return String(v);
  }
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v;
  throw new InvalidArgumentError(`value of ${key}`, whole, 'a sysctl value is a string, an integer, a boolean or an array of them');
}

/** The text written for `value` (with sysctl(8)'s trailing newline), or InvalidArgumentError. */
export function sysctlValueText(value: unknown, key: string): string {
  let text: string;
  if (typeof value === 'boolean') text = value ? '1' : '0';
  else if (Array.isArray(value)) {
    if (value.length === 0) throw new InvalidArgumentError(`value of ${key}`, value, 'an empty array has nothing to write');
    text = value.map((v) => one(v, key, value)).join('\t');
  } else text = one(value, key, value);
  if (text.length === 0) throw new InvalidArgumentError(`value of ${key}`, value, 'an empty value has nothing the kernel can parse');
  if (text.includes('\0')) throw new InvalidArgumentError(`value of ${key}`, value, 'a sysctl value cannot contain NUL');
  if (/[\n\r]/.test(text)) throw new InvalidArgumentError(`value of ${key}`, value, 'a sysctl value is one line');
  if (Buffer.byteLength(text) >= 4096) throw new InvalidArgumentError(`value of ${key}`, value, 'a sysctl value is shorter than a page (4096 bytes)');
  return `${text}\n`;
}

/** A value as the kernel printed it, without the trailing newline. */
export function valueOf(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
