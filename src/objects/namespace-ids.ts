// SPDX-License-Identifier: MIT
// Namespace identity (which names and which processes share a namespace) and nsids.

import { closeSync, openSync, readdirSync, Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { NetlinkError } from '../errors';
import { Connection } from '../netlink/connection';
import { native } from '../native/binding';
import * as C from '../rtnl/constants';
import { decodeNsid, nsidRequest } from '../rtnl/nsid-ops';
import { namespaceError, NamespaceError } from './namespace-errors';

const same = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/** Names in `runDir` bound to the namespace of process `pid`. */
export function identifyPid(pid: number, runDir: string): string[] {
  let target: Stats;
  try {
    target = statSync(`/proc/${pid}/ns/net`);
  } catch (e) {
    throw namespaceError(e, `identify network namespace of pid ${pid}`, `/proc/${pid}/ns/net`);
  }
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      try {
        return same(statSync(join(runDir, n)), target);
      } catch {
        return false;
      }
    })
    .sort();
}

/** Pids whose network namespace is the one `me` (an fstat of its fd) describes. */
export function pidsIn(me: Stats): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (same(statSync(`/proc/${entry}/ns/net`), me)) out.push(Number(entry));
    } catch {
      /* the process exited, or we may not look */
    }
  }
  return out.sort((a, b) => a - b);
}

/** nsid of the namespace `fd` as seen from the namespace of `conn`; undefined when none is assigned. */
export async function getNsid(conn: Connection, fd: number, label: string): Promise<number | undefined> {
  const reply = await conn.request(nsidRequest(C.RTM_GETNSID, { fd }), { op: 'RTM_GETNSID', describe: `get nsid of ${label}` });
  const m = reply.messages.find((x) => x.type === C.RTM_NEWNSID);
  const nsid = m ? (decodeNsid(m).nsid as number | undefined) : undefined;
  return nsid === undefined || nsid < 0 ? undefined : nsid;
}

export async function setNsid(conn: Connection, fd: number, id: number | 'auto', label: string): Promise<number> {
  const nsid = id === 'auto' ? C.NETNSA_NSID_NOT_ASSIGNED : id;
  if (!Number.isInteger(nsid) || nsid < -1 || nsid > 0x7fffffff) {
    throw new NamespaceError(`invalid nsid ${JSON.stringify(id)}: expected 0..2147483647 or 'auto'`, 'ERR_INVALID_ARG_VALUE', -22);
  }
  await conn.request(nsidRequest(C.RTM_NEWNSID, { fd, nsid }), { op: 'RTM_NEWNSID', describe: `set nsid ${id} for ${label}` });
  const now = await getNsid(conn, fd, label);
  if (now === undefined) throw new NetlinkError({ errno: -2, op: 'RTM_GETNSID', request: `read back nsid of ${label}` });
  return now;
}

/** Every nsid assigned in the namespace of `conn`. */
export async function listNsids(conn: Connection): Promise<number[]> {
  const reply = await conn.request(nsidRequest(C.RTM_GETNSID, {}), { op: 'RTM_GETNSID', dump: true, describe: 'list nsids' });
  return reply.messages.filter((m) => m.type === C.RTM_NEWNSID).map((m) => decodeNsid(m).nsid as number);
}

/** Named namespaces under `runDir`, with each one's nsid as seen from the namespace of `conn`. */
export async function listNamed(runDir: string, conn: Connection): Promise<{ name: string; path: string; id?: number }[]> {
  let names: string[];
  try {
    names = readdirSync(runDir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw namespaceError(e, 'list network namespaces', runDir);
  }
  const out: { name: string; path: string; id?: number }[] = [];
  for (const name of names) {
    const path = join(runDir, name);
    let fd: number;
    try {
      fd = openNetnsFile(path, 'list');
    } catch {
      continue; // a name being created or deleted right now, or not a namespace
    }
    try {
      const id = await getNsid(conn, fd, `network namespace "${name}"`);
      out.push(id === undefined ? { name, path } : { name, path, id });
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

/** Opens `path` and checks it is a network namespace file; throws NamespaceError otherwise. */
export function openNetnsFile(path: string, op: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw namespaceError(e, op, path);
  }
  let type = 0;
  try {
    type = native().nsType(fd);
  } catch {
    /* not an nsfs file: reported below */
  }
  if (type !== native().CLONE_NEWNET) {
    closeSync(fd);
    throw new NamespaceError(`${op} failed: ${path} is not a network namespace`, 'EINVAL', -22, 'ioctl', path);
  }
  return fd;
}
