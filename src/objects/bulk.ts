// SPDX-License-Identifier: MIT
// Bulk teardown. Deleting a device makes the kernel wait for an RCU barrier (~16-22 ms) once per
// delete request, after rtnl_lock is released: 1,000 one-by-one deletes take ~20 s whatever tool
// sends them. One RTM_DELLINK carrying only IFLA_GROUP deletes every device of that group in one
// unregister_netdevice_many(), paying the wait once. So the links named are first moved into a
// fresh group that no link uses, then deleted by group: never a link the caller did not name.

import { randomInt } from 'node:crypto';
import { LinkNotFoundError, NetlinkError, VnetkitError } from '../errors';
import * as C from '../rtnl/constants';
import { linkIndexAndGroup } from '../rtnl/link-ops';
import { deleteGroupRequest, dumpLinksRequest, setGroupRequest } from '../rtnl/link-requests';
import { Link } from './link';
import { Namespace } from './namespace';
import { mapInSlices, yieldIfBusy } from '../util/slices';
import { validateUint } from '../util/validate';
import { native } from '../native/binding';
import { namespaceError, NamespaceError } from './namespace-errors';
import { LinkFilter, validateLinkFilter } from './link-filter';

export type { LinkFilter } from './link-filter';

function matches(link: Link, f: LinkFilter): boolean {
  if (typeof f === 'function') return f(link);
  if (f.kind !== undefined && link.kind !== f.kind) return false;
  if (f.names !== undefined && !f.names.includes(link.name)) return false;
  if (f.namePrefix !== undefined && !link.name.startsWith(f.namePrefix)) return false;
  if (f.group !== undefined && link.group !== f.group) return false;
  return true;
}

/**
 * Calls `fn` with the index, IFF_* flags and group of every link in `ns`. Only these are wanted: a
 * dump without counters, decoded for them alone, takes about half as long as listing every link in
 * full (36 vs 69 ms for 2,000 veths, medians of 7).
 */
async function scanGroups(ns: Namespace, describe: string, fn: (index: number, flags: number, group: number) => void): Promise<void> {
  const conn = await ns.connection();
  const req = dumpLinksRequest({ noStats: true });
  const { messages } = await conn.request(req, { op: 'RTM_GETLINK', dump: true, describe });
  // In slices: a namespace with thousands of links is thousands of messages to look at.
  await mapInSlices(messages, (m) => {
    if (m.type !== C.RTM_NEWLINK) return;
    const { index, flags, group } = linkIndexAndGroup(m.payload);
    fn(index, flags, group);
  });
}

/** The groups of every link in `ns` other than the ones with these indexes. */
async function groupsOfOthers(ns: Namespace, ours: ReadonlySet<number>): Promise<Set<number>> {
  const used = new Set<number>();
  await scanGroups(ns, 'list the link groups in use', (index, _flags, group) => {
    if (!ours.has(index)) used.add(group);
  });
  return used;
}

/** Where groups come from: an object (not exported by the package) so a test can make two collide. */
export const groupSource = { draw: (): number => randomInt(1, 0xffffffff) };

/** A device group (never 0, the one every link starts in) outside `used`. */
function groupNotIn(used: ReadonlySet<number>): number {
  for (;;) {
    const g = groupSource.draw();
    if (!used.has(g)) return g;
  }
}

/** Moves `links` into `group`; resolves with which of them were still there. */
async function tag(ns: Namespace, links: Link[], group: number): Promise<boolean[]> {
  const conn = await ns.connection();
  // Each tag request waits its turn at the gate: 1,000 of them built and sent in one go would hold
  // the event loop for tens of milliseconds.
  return Promise.all(
    links.map(async (l) => {
      await yieldIfBusy();
      const req = setGroupRequest(l.index, group);
      try {
        await conn.request(req, { op: 'RTM_NEWLINK', describe: `tag ${JSON.stringify(l.name)} for bulk delete` });
        return true;
      } catch (e) {
        // Already gone (its veth peer was deleted, say): nothing to do for it.
        if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
        throw e;
      }
    }),
  );
}

async function setGroup(ns: Namespace, l: Link, group: number): Promise<void> {
  const conn = await ns.connection();
  await conn.request(setGroupRequest(l.index, group), { op: 'RTM_NEWLINK', describe: `put ${JSON.stringify(l.name)} back in group ${group}` });
}

/** Deletes `links` (all in `ns`) with one group delete. Resolves with how many were still there. */
async function deleteInNamespace(ns: Namespace, links: Link[]): Promise<number> {
  // The links are tagged with a random group while the groups in use are listed, rather than after:
  // the dump's round trip and decoding (7-20 ms for 1,000 taps) then overlap the tagging. Whether
  // the dump sees our links before or after their tag does not matter, it skips them; a group some
  // other link already has (one chance in ~4 billion per other group in use) means tagging them
  // again with one that none has, so the delete never takes a link the caller did not name.
  const ours = new Set(links.map((l) => l.index));
  let group = groupNotIn(new Set());
  const [listed, tags] = await Promise.allSettled([groupsOfOthers(ns, ours), tag(ns, links, group)]);
  let used: Set<number>;
  let tagged: boolean[];
  try {
    if (tags.status === 'rejected') throw tags.reason;
    tagged = tags.value;
    // The dump can fail where a tag did not (interrupted by links coming and going): once more,
    // now that the tags are done.
    used = listed.status === 'fulfilled' ? listed.value : await groupsOfOthers(ns, ours);
  } catch (e) {
    // Nothing was deleted: give the links their groups back (as of the Link objects) before failing.
    await Promise.all(links.map((l) => setGroup(ns, l, l.group).catch(() => undefined)));
    throw e;
  }
  if (used.has(group)) {
    group = groupNotIn(used);
    tagged = await tag(ns, links, group);
  }
  const count = tagged.filter(Boolean).length;
  if (count) {
    const conn = await ns.connection();
    await conn.request(deleteGroupRequest(group), { op: 'RTM_DELLINK', describe: `delete ${count} links of ${ns.label} at once` });
  }
  return count;
}

export async function deleteLinks(links: readonly Link[]): Promise<number> {
  const byNs = new Map<Namespace, Link[]>();
  for (const l of links) {
    if (l.flags.includes('LOOPBACK')) throw new VnetkitError(`refusing to delete the loopback device ${JSON.stringify(l.name)}`, 'EINVAL');
    const list = byNs.get(l.namespace) ?? [];
    list.push(l);
    byNs.set(l.namespace, list);
  }
  // Namespaces in parallel: their kernel waits overlap.
  const counts = await Promise.all([...byNs].map(([ns, ls]) => deleteInNamespace(ns, ls)));
  return counts.reduce((a, b) => a + b, 0);
}

export async function deleteLinksWhere(ns: Namespace, filter: LinkFilter): Promise<number> {
  filter = validateLinkFilter(filter);
  // `{ group: G }` alone asks for exactly what the kernel's group delete does (`ip link del group
  // G`): no need to move the links into a fresh group first, nor to read them in full (counting them
  // from the lean dump saved 10-20 ms of the 120 ms that deleting 1,000 taps takes). Not for group
  // 0, which every link starts in, nor when lo is in G (the kernel then refuses the whole group).
  if (typeof filter !== 'function' && Object.keys(filter).length === 1 && filter.group !== undefined && filter.group > 0) {
    const group = filter.group;
    let count = 0;
    let loopback = false;
    await scanGroups(ns, `count the links of group ${group}`, (_index, flags, g) => {
      if (g !== group) return;
      if (flags & C.IFF_LOOPBACK) loopback = true;
      else count++;
    });
    if (!loopback) {
      if (!count) return 0;
      const conn = await ns.connection();
      const describe = `delete the ${count} links of group ${group} in ${ns.label}`;
      await conn.request(deleteGroupRequest(group), { op: 'RTM_DELLINK', describe });
      return count;
    }
  }
  const links = (await ns.links()).filter((l) => !l.flags.includes('LOOPBACK') && matches(l, filter));
  if (!links.length) return 0;
  return deleteInNamespace(ns, links);
}

/**
 * Waits until the links with these indexes are gone from `ns` (the kernel removes a deleted
 * namespace's devices, and their veth peers elsewhere, asynchronously).
 */
export async function waitGone(ns: Namespace, indexes: readonly number[], timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...indexes];
  for (let delay = 2; pending.length; delay = Math.min(delay * 2, 50)) {
    const still = await Promise.all(pending.map((i) => Link.get(i, ns).then(() => true, (e) => (e instanceof LinkNotFoundError ? false : Promise.reject(e)))));
    pending = pending.filter((_, k) => still[k]);
    if (!pending.length) return;
    if (Date.now() > deadline) {
      throw new VnetkitError(`${what}: ${pending.length} device(s) still present after ${timeoutMs} ms (is the namespace still in use by a process or an open handle?)`, 'ETIMEDOUT');
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Indexes of links in `ns` whose veth peer lives in the namespace with nsid `id` (as `ns` sees it). */
export async function peersIn(ns: Namespace, id: number | undefined): Promise<number[]> {
  if (id === undefined) return [];
  return (await ns.links()).filter((l) => l.linkNetnsid === id).map((l) => l.index);
}

/**
 * Names removed per namespace-thread job. One job per name, each handed back to the main thread on
 * its own and followed there by closing that namespace's handle while the next unmount ran, took
 * 132 ms for 1,000 names against 45-50 ms for all the unmounts first, in jobs, then the closes (the
 * same system calls; each umount2 waits for an expedited RCU grace period). A job holds the
 * thread, so other callers' jobs wait behind at most this many unmounts (~5 ms).
 */
const NAMES_PER_JOB = 64;

export async function deleteNamespaces(items: readonly (string | Namespace)[], options: { wait?: boolean; timeoutMs?: number }): Promise<void> {
  if (options.wait) {
    await Promise.all(items.map(async (n) => (typeof n === 'string' ? await Namespace.open(n) : n).delete(options)));
    return;
  }
  // Checked before anything is deleted.
  const names = items.map((n) => {
    if (typeof n === 'string') return n;
    if (n.name === undefined) throw new NamespaceError(`${n.label} has no name to delete; close() releases it`, 'EINVAL', -22);
    return n.name;
  });
  const paths = names.map((n) => Namespace.pathOf(n));
  const jobs: Promise<(Error | null)[]>[] = [];
  for (let i = 0; i < paths.length; i += NAMES_PER_JOB) jobs.push(native().deleteNetnsMany(paths.slice(i, i + NAMES_PER_JOB)));
  const errors = (await Promise.all(jobs)).flat();
  // The handles of names that are gone are released; one whose name is still there stays open.
  await Promise.all(items.map((n, i) => (typeof n === 'string' || errors[i] ? undefined : n.close())));
  const failures = errors.flatMap((e, i) => (e ? [namespaceError(e, `delete network namespace "${names[i]}"`, paths[i])] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} of ${names.length} network namespaces could not be deleted; the first: ${failures[0]!.message}`);
}

/**
 * Deletes every link of a namespace whose group (IFLA_GROUP) is `group`, in ONE request: the kernel
 * unregisters them together and pays its RCU wait once instead of once per link.
 * @internal The public bulk API (Link.deleteMany) picks a fresh group itself so it never deletes a
 * link the caller did not name.
 */
export async function deleteLinkGroup(ns: Namespace, group: number): Promise<void> {
  const conn = await ns.connection();
  await conn.request(deleteGroupRequest(validateUint(group, 'group', 1, 0xffffffff)), { op: 'RTM_DELLINK', describe: `delete links of group ${group}` });
}
