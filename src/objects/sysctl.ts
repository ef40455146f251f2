// SPDX-License-Identifier: MIT
// Reading and writing a namespace's sysctl files: one namespace-thread job per call, however many
// keys (native/sysctl.cc opens them there, since /proc/sys/net resolves against the opening
// thread's namespace), and the native outcomes turned into typed errors. The public methods pass
// the burst gate (yieldIfBusy) before they parse their keys, so a burst's parsing is sliced too.
//
// Every key goes through /proc/sys. rtnetlink offers some of the same values (IFLA_INET_CONF and
// IFLA_INET6_CONF in RTM_GETLINK, RTM_GETNETCONF) but is not used: reads would cost a request per
// link where one job reads any number of keys, and writes differ in meaning. RTM_SETLINK with
// IFLA_INET_CONF stores the number without running the sysctl's handler (no route-cache flush, no
// netconf notification, no LRO change on `forwarding`), and the kernel accepts no IFLA_INET6_CONF
// writes at all. /proc/sys does exactly what `sysctl -w` does.

import { errnoCode, errnoMessage, InvalidArgumentError, SysctlError } from '../errors';
import { native, SysctlFailureInfo } from '../native/binding';
import { Namespace } from './namespace';
import { NamespaceError } from './namespace-errors';
import { SysctlKey, valueOf } from './sysctl-keys';

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** Extra words for an unknown key, e.g. what a missing per-interface directory means. */
export type MissingHint = (k: SysctlKey) => string;

const defaultMissing: MissingHint = () => 'a typo, a module not loaded, or an interface that does not exist';

/** The error for one key the kernel refused (or a system failure, as a NamespaceError). */
export function sysctlFailure(ns: Namespace, k: SysctlKey, f: SysctlFailureInfo, op: 'get' | 'set', value?: string, missing = defaultMissing): Error {
  const code = errnoCode(f.errno);
  const init = { errno: f.errno, syscall: f.syscall, key: k.key, path: k.path };
  const shown = value === undefined ? '' : ` = ${JSON.stringify(valueOf(value))}`;
  if (code === 'ENOENT' && f.syscall === 'open') {
    return new SysctlError(`sysctl ${k.key}: no such key in ${ns.label} (ENOENT: ${k.path} does not exist there: ${missing(k)})`, { ...init, reason: 'unknown-key' });
  }
  if (code === 'EACCES' && f.syscall === 'open' && f.mode >= 0) {
    if (op === 'set' && !(f.mode & 0o200)) {
      return new SysctlError(`sysctl ${k.key}${shown}: the key is read-only (mode ${octal(f.mode)}); nothing was written`, { ...init, reason: 'read-only', ...(value === undefined ? {} : { value: valueOf(value) }) });
    }
    if (op === 'get' && !(f.mode & 0o400)) {
      return new SysctlError(`sysctl ${k.key}: the key is write-only (mode ${octal(f.mode)}, an action such as a flush): it has no value to read`, { ...init, reason: 'write-only' });
    }
  }
  if (f.syscall === 'write' && code !== 'EPERM' && code !== 'EACCES') {
    return new SysctlError(`sysctl ${k.key}${shown}: the kernel refused the value (${code}: ${errnoMessage(f.errno)}); nothing was written`, { ...init, reason: 'invalid-value', value: valueOf(value ?? '') });
  }
  let message = `sysctl ${op} ${k.key} in ${ns.label} failed: ${f.syscall} ${k.path}: ${code}: ${errnoMessage(f.errno)}`;
  if (code === 'EPERM' || code === 'EACCES') message += '; this needs CAP_NET_ADMIN over the namespace (root in the user namespace that owns it)';
  return new NamespaceError(message, code, f.errno, f.syscall, k.path);
}

function systemError(e: unknown, ns: Namespace, what: string): Error {
  const err = e as { code?: string; errno?: number; syscall?: string; path?: string; message?: string };
  if (!err || typeof err.code !== 'string') return e as Error;
  return new NamespaceError(`${what} in ${ns.label} failed: ${err.message ?? err.code}`, err.code, err.errno ?? 0, err.syscall, err.path, e);
}

/** Reads `keys` in one job; rejects with the first key's failure. */
export async function readKeys(ns: Namespace, keys: readonly SysctlKey[], missing?: MissingHint): Promise<string[]> {
  const fd = ns.assertOpen();
  const out = await native().sysctlGet(fd, keys.map((k) => k.path)).catch((e: unknown) => {
    throw systemError(e, ns, 'sysctl get');
  });
  return out.map((v, i) => {
    if (typeof v === 'string') return valueOf(v);
    throw sysctlFailure(ns, keys[i]!, v, 'get', undefined, missing);
  });
}

/**
 * Writes `texts` (from sysctlValueText) to `keys` in one job and resolves with the old values (null:
 * a write-only key). A refusal rejects, after the job has put back the keys it had written.
 */
export async function writeKeys(ns: Namespace, keys: readonly SysctlKey[], texts: readonly string[], missing?: MissingHint): Promise<(string | null)[]> {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.path)) throw new InvalidArgumentError('key', k.key, 'given twice in one set() (the old value to return would be ambiguous)');
    seen.add(k.path);
  }
  const fd = ns.assertOpen();
  const r = await native().sysctlSet(fd, keys.map((k) => k.path), [...texts]).catch((e: unknown) => {
    throw systemError(e, ns, 'sysctl set');
  });
  if (r.failed < 0) return r.old.map((v) => (v === null ? null : valueOf(v)));
  const err = sysctlFailure(ns, keys[r.failed]!, r.error!, 'set', texts[r.failed], missing);
  // Which keys were written before the refusal: every readable key before it in the job's order
  // (readable ones first, write-only ones last), none if it failed while opening.
  const wrote = r.error!.syscall === 'write';
  const readableFirst = [...keys.keys()].sort((a, b) => Number(r.old[a] === null) - Number(r.old[b] === null));
  const before = wrote ? readableFirst.slice(0, readableFirst.indexOf(r.failed)) : [];
  const notRestored = new Set(r.notRestored);
  const restored = before.filter((i) => !notRestored.has(i) && r.old[i] !== null).map((i) => keys[i]!.key);
  const lost = [...notRestored].map((i) => keys[i]!.key);
  if (err instanceof SysctlError) {
    err.restored = restored;
    err.notRestored = lost;
    if (keys.length > 1) {
      err.message = err.message.replace(
        /; nothing was written$/,
        lost.length ? `; NOT restored after it: ${lost.join(', ')}` : restored.length ? `; the ${restored.length} key(s) written before it were restored (${restored.join(', ')}): nothing changed` : '; nothing was written',
      );
    }
  }
  throw err;
}

/** One entry of list(). */
export interface SysctlEntry {
  /** As sysctl(8) prints it: `net.ipv4.conf.eth0/100.arp_notify`. */
  key: string;
  path: string;
  /** The value without its newline; null for a write-only entry or one that cannot be read now (e.g. an unset ipv6 stable_secret). */
  value: string | null;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  writable: boolean;
}

/** Every entry under `root` (a directory or one key) in one job, sorted by key. */
export async function listKeys(ns: Namespace, root: SysctlKey, keep: (key: string) => boolean = () => true): Promise<SysctlEntry[]> {
  const fd = ns.assertOpen();
  const r = await native().sysctlList(fd, root.path).catch((e: unknown) => {
    const err = e as { code?: string };
    if (err?.code === 'ENOENT') {
      throw sysctlFailure(ns, root, { errno: -2, syscall: 'open', mode: -1 }, 'get');
    }
    throw systemError(e, ns, `sysctl list ${root.key}`);
  });
  const out: SysctlEntry[] = [];
  for (let i = 0; i < r.paths.length; i++) {
    const rel = r.paths[i]!;
    const path = rel ? `${root.path}/${rel}` : root.path;
    const key = rel ? `${root.key}.${rel.split('/').map((c) => c.replaceAll('.', '/')).join('.')}` : root.key;
    if (!keep(key)) continue;
    const v = r.values[i]!;
    const mode = r.modes[i]!;
    out.push({ key, path, value: typeof v === 'string' ? valueOf(v) : null, mode, writable: (mode & 0o200) !== 0 });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
