// SPDX-License-Identifier: MIT
// A network namespace handle: an owned namespace fd with an identity (st_dev, st_ino) and, lazily,
// a netlink socket opened inside it. Every object operation happens through such a socket; no Node
// thread ever switches namespace (the native runner thread opens the socket inside it).

import { closeSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ClosedError, InvalidArgumentError } from '../errors';
import { Connection } from '../netlink/connection';
import { native } from '../native/binding';
import { deleteLinksWhere, deleteNamespaces, LinkFilter, peersIn, waitGone } from './bulk';
import { Link, LinkListFilter } from './link';
import { namespaceError, NamespaceError, validateNetnsName } from './namespace-errors';
import { getNsid, identifyPid, listNamed, listNsids, openNetnsFile, pidsIn, setNsid } from './namespace-ids';
import { NamespaceMonitor } from './namespace-monitor';
import { MadeNetns, makeNetns } from './netns-creates';

let anonymousCount = 0;

/**
 * @internal A namespace argument of a public entry: a Namespace handle, or (when `optional`)
 * undefined for the current namespace. Anything else is refused before anything native sees it.
 */
export function namespaceArg(value: unknown, argument: string, optional = true): Namespace {
  if (value === undefined && optional) return Namespace.current();
  if (!(value instanceof Namespace)) {
    throw new InvalidArgumentError(argument, describeValue(value), 'expected a Namespace handle (Namespace.create(), open(), fromPid() ...)');
  }
  return value;
}

const describeValue = (v: unknown): unknown => (typeof v === 'object' && v !== null ? `[${v.constructor?.name ?? 'object'}]` : v);

export interface NamespaceCreateOptions {
  /** Bring `lo` up (default true): a new namespace's lo is down, and then even 127.0.0.1 is unreachable. */
  loopbackUp?: boolean;
}

/** One entry of `Namespace.list()`. */
export interface NamedNamespace {
  name: string;
  path: string;
  /** Its nsid as seen from the current namespace, when one is assigned. */
  id?: number;
}

export class Namespace {
  /** Where named namespaces live (iproute2's NETNS_RUN_DIR). */
  static runDir = '/run/netns';

  private conn: Promise<Connection> | undefined;
  private closed = false;
  // Requests in flight that name this namespace by fd number (see withFd): the fd is closed when
  // the handle is closed and the last of them has settled, never before.
  private fdHolds = 0;
  private fdClosed = false;
  // Made by the addon (Namespace.create), not opened by fs: closed through the addon, which also
  // closes it at a worker's teardown should this handle never be closed.
  private fdFromAddon = false;
  // The fd never changes while the handle is open, and with it the namespace it names: one fstat
  // serves every later comparison (VethPair.create compares namespaces on each call).
  private ident: { dev: number; ino: number } | undefined;
  private static currentNs: Namespace | undefined;
  /** Open handles, so a veth peer's nsid can be matched to a namespace without a name. */
  private static readonly live = new Set<WeakRef<Namespace>>();

  /** @internal */
  constructor(
    /** The namespace fd this handle owns (O_CLOEXEC). */
    readonly fd: number,
    /** Name under /run/netns, when it has one. */
    public name: string | undefined,
    /** Human label for messages. */
    readonly label: string,
    /** True for the namespace the process started in: its socket needs no namespace switch. */
    private readonly isProcessNamespace = false,
  ) {
    this.ref = new WeakRef(this);
    Namespace.live.add(this.ref);
  }

  private readonly ref: WeakRef<Namespace>;

  /** @internal Handles this process has open (the current namespace first). */
  static openHandles(): Namespace[] {
    const out = [Namespace.current()];
    for (const ref of Namespace.live) {
      const ns = ref.deref();
      if (!ns || ns.closed) Namespace.live.delete(ref);
      else if (ns !== out[0]) out.push(ns);
    }
    return out;
  }

  private static named(fd: number, name: string): Namespace {
    return new Namespace(fd, name, `network namespace "${name}"`);
  }

  /** Path of a name under the run directory. */
  static pathOf(name: string): string {
    return join(Namespace.runDir, validateNetnsName(name));
  }

  /**
   * The network namespace this process runs in (that of its main thread, which vnetkit never moves).
   *
   * Equivalent to: `ip link` without `-n`.
   */
  static current(): Namespace {
    if (!Namespace.currentNs || Namespace.currentNs.closed) {
      // fs calls run on the main thread, so thread-self names the main thread's namespace.
      const fd = openSync('/proc/thread-self/ns/net', 'r');
      Namespace.currentNs = new Namespace(fd, undefined, 'the current network namespace', true);
    }
    return Namespace.currentNs;
  }

  /**
   * Creates a network namespace. With a name, it is bind-mounted at /run/netns/NAME (made a shared
   * mount first, under a lock against concurrent creators) and persists without any process, as
   * `ip netns add` does. Without one, it is anonymous and lives while this handle (or anything
   * opened in it) is open. `lo` is brought up unless `{ loopbackUp: false }`.
   *
   * Equivalent to: `ip netns add NAME && ip -n NAME link set lo up`
   */
  static async create(name?: string, options: NamespaceCreateOptions = {}): Promise<Namespace> {
    const path = name === undefined ? undefined : Namespace.pathOf(name);
    let ns: Namespace;
    let loopback: MadeNetns['loopback'];
    try {
      const made = await makeNetns(Namespace.runDir, path, options.loopbackUp !== false);
      loopback = made.loopback;
      ns = path ? Namespace.named(made.fd, name!) : new Namespace(made.fd, undefined, `anonymous network namespace #${++anonymousCount}`);
      ns.fdFromAddon = true;
    } catch (e) {
      throw namespaceError(e, name === undefined ? 'create network namespace' : `create network namespace "${name}"`, path);
    }
    // lo was brought up by the job that made the namespace, unless it could not ask (then it is
    // done here) or the kernel refused.
    if (loopback) {
      try {
        if (loopback !== 'not-tried') throw loopback;
        await (await Link.get('lo', ns)).setUp();
      } catch (e) {
        await (path ? ns.delete() : ns.close()).catch(() => undefined);
        throw e;
      }
    }
    return ns;
  }

  /**
   * Opens a namespace by name.
   *
   * Equivalent to: `ip netns exec NAME ...` finding /run/netns/NAME
   */
  static async open(name: string): Promise<Namespace> {
    const path = Namespace.pathOf(name);
    const ns = Namespace.openPath(path, `open network namespace "${name}"`);
    ns.name = name;
    return ns;
  }

  /** Opens the namespace of a process (`/proc/PID/ns/net`). */
  static async fromPid(pid: number): Promise<Namespace> {
    if (!Number.isInteger(pid) || pid <= 0) throw namespaceError({ code: 'ESRCH', errno: -3, message: 'not a pid' }, `open network namespace of pid ${pid}`);
    try {
      return Namespace.openPath(`/proc/${pid}/ns/net`, `open network namespace of pid ${pid}`, `network namespace of pid ${pid}`);
    } catch (e) {
      if ((e as NamespaceError).code === 'ENOENT') {
        throw new NamespaceError(`open network namespace of pid ${pid} failed: no process ${pid} (ESRCH)`, 'ESRCH', -3, 'open', `/proc/${pid}/ns/net`, e);
      }
      throw e;
    }
  }

  /** Opens a namespace file (a bind mount under /run/netns, /proc/PID/ns/net, /proc/PID/task/TID/ns/net ...). */
  static async fromPath(path: string): Promise<Namespace> {
    return Namespace.openPath(path, `open network namespace ${path}`);
  }

  private static openPath(path: string, op: string, label = `network namespace ${path}`): Namespace {
    const fd = openNetnsFile(path, op);
    const base = path.startsWith(`${Namespace.runDir}/`) ? path.slice(Namespace.runDir.length + 1) : undefined;
    return base ? Namespace.named(fd, base) : new Namespace(fd, undefined, label);
  }


  /**
   * Named namespaces, with each one's nsid (as seen from the current namespace) when it has one.
   *
   * Equivalent to: `ip netns list`
   */
  static async list(): Promise<NamedNamespace[]> {
    return listNamed(Namespace.runDir, await Namespace.current().connection());
  }

  /**
   * Removes a name (unmount with MNT_DETACH, then unlink; EBUSY is retried). Resolves once the name is
   * gone. Processes still inside the namespace keep it alive; only the name is removed.
   *
   * Equivalent to: `ip netns delete NAME`
   */
  static async delete(name: string): Promise<void> {
    const path = Namespace.pathOf(name);
    try {
      await native().deleteNetns(path);
    } catch (e) {
      throw namespaceError(e, `delete network namespace "${name}"`, path);
    }
  }

  /**
   * Gives a process's namespace a name, so it persists after the process exits.
   *
   * Equivalent to: `ip netns attach NAME PID`
   */
  static async attach(name: string, pid: number): Promise<Namespace> {
    const ns = await Namespace.fromPid(pid);
    try {
      await ns.persist(name);
      return ns;
    } catch (e) {
      await ns.close();
      throw e;
    }
  }

  /**
   * Names this (anonymous or pid-derived) namespace: bind-mounts it at /run/netns/NAME.
   *
   * Equivalent to: `ip netns attach NAME PID` / `mount --bind /proc/PID/ns/net /run/netns/NAME`
   */
  async persist(name: string): Promise<void> {
    const path = Namespace.pathOf(name);
    this.assertOpen();
    try {
      await native().persistNetns(this.fd, Namespace.runDir, path);
    } catch (e) {
      throw namespaceError(e, `name network namespace "${name}"`, path);
    }
    this.name = name;
  }

  /**
   * Deletes this namespace's name (see `Namespace.delete`) and closes this handle.
   *
   * Equivalent to: `ip netns delete NAME`
   */
  async delete(options: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.name === undefined) throw new NamespaceError(`${this.label} has no name to delete; close() releases it`, 'EINVAL', -22);
    // The kernel tears a namespace down asynchronously; its veth peers in the current namespace go
    // with it, later. With `wait`, resolve only once they are gone, so their names can be reused.
    const peers = options.wait ? await peersIn(Namespace.current(), await this.id()) : [];
    await Namespace.delete(this.name);
    await this.close();
    if (peers.length) await waitGone(Namespace.current(), peers, options.timeoutMs ?? 10_000, `delete network namespace "${this.name}"`);
  }

  /**
   * Deletes many named namespaces at once (their kernel teardown overlaps).
   *
   * Equivalent to: `ip netns delete NAME` for each
   */
  static deleteMany(names: readonly (string | Namespace)[], options: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return deleteNamespaces(names, options);
  }


  /**
   * Deletes the links of this namespace that match `filter` (never `lo`) with one group delete.
   * Resolves with the number deleted. A filter of only `{ group: G }` (G > 0) deletes that group
   * as it is, in one request; any other filter first moves the matching links into a fresh group.
   *
   * Equivalent to: `ip -n NS link del group G` (after tagging the matching links with a fresh group G)
   */
  deleteLinks(filter: LinkFilter): Promise<number> {
    return deleteLinksWhere(this, filter);
  }

  /** The namespace's inode number; with `dev`, its identity. */
  get inode(): number {
    return this.identity().ino;
  }

  /** The device of the nsfs file system; with `inode`, the identity. */
  get dev(): number {
    return this.identity().dev;
  }

  /** True when both handles refer to the same namespace. */
  equals(other: Namespace): boolean {
    const a = this.identity();
    const b = other.identity();
    return a.dev === b.dev && a.ino === b.ino;
  }

  private identity(): { dev: number; ino: number } {
    const fd = this.assertOpen();
    if (!this.ident) {
      const st = fstatSync(fd);
      this.ident = { dev: st.dev, ino: st.ino };
    }
    return this.ident;
  }

  /**
   * Names under /run/netns of the namespace process `pid` is in.
   *
   * Equivalent to: `ip netns identify PID`
   */
  static async identify(pid: number): Promise<string[]> {
    return identifyPid(pid, Namespace.runDir);
  }

  /**
   * Processes whose network namespace is this one.
   *
   * Equivalent to: `ip netns pids NAME`
   */
  async pids(): Promise<number[]> {
    return pidsIn(fstatSync(this.assertOpen()));
  }

  /**
   * This namespace's nsid as seen from `from` (default: the current namespace); undefined if none.
   *
   * Equivalent to: `ip netns list-id` / `ip netns` showing "(id: N)"
   */
  async id(from?: Namespace): Promise<number | undefined> {
    from = namespaceArg(from, 'from');
    this.assertOpen();
    const conn = await from.connection();
    return this.withFd((fd) => getNsid(conn, fd, this.label), conn);
  }

  /**
   * Assigns this namespace an nsid in `from` (default: the current namespace). 'auto' lets the
   * kernel choose. Resolves with the id it now has.
   *
   * Equivalent to: `ip netns set NAME NETNSID|auto`
   */
  async setId(id: number | 'auto', from?: Namespace): Promise<number> {
    from = namespaceArg(from, 'from');
    this.assertOpen();
    const conn = await from.connection();
    return this.withFd((fd) => setNsid(conn, fd, id, this.label), conn);
  }

  /**
   * Every nsid assigned in `from` (default: the current namespace), with the names they belong to.
   *
   * Equivalent to: `ip netns list-id`
   */
  static async listIds(from?: Namespace): Promise<{ id: number; names: string[] }[]> {
    from = namespaceArg(from, 'from');
    const ids = await listNsids(await from.connection());
    const byId = new Map<number, string[]>(ids.map((id) => [id, []]));
    for (const n of await Namespace.list()) if (n.id !== undefined) byId.get(n.id)?.push(n.name);
    return [...byId].map(([id, names]) => ({ id, names })).sort((a, b) => a.id - b.id);
  }

  /**
   * Watches /run/netns for namespaces named and deleted (by anyone: this process, `ip netns`, ...).
   *
   * Equivalent to: `ip netns monitor`
   */
  static monitor(): NamespaceMonitor {
    return new NamespaceMonitor(Namespace.runDir);
  }

  /** The links of this namespace, all or of one kind/master (see Link.list). Equivalent to: `ip -n NS link show [type KIND] [master DEV]` */
  links(filter?: LinkListFilter): Promise<Link[]> {
    return Link.list(this, filter);
  }

  /** One link of this namespace by name or index. Equivalent to: `ip -n NS link show dev NAME` */
  link(ref: string | number): Promise<Link> {
    return Link.get(ref, this);
  }

  /** @internal The fd, or ClosedError after close(). */
  assertOpen(): number {
    if (this.closed) throw new ClosedError(this.label);
    return this.fd;
  }

  /**
   * @internal Runs `use` with this namespace's fd kept open until it settles, even if the handle
   * is closed meanwhile. A request naming the namespace by fd number (IFLA_NET_NS_FD, NETNSA_FD) is
   * sent later by the I/O thread; a number closed and reused by then would name another namespace
   * (the process's own, say), and the kernel would act on that one. `via` is the socket the
   * request goes out on: if it fails because that socket is closing, the hold lasts until the
   * socket is gone.
   */
  async withFd<T>(use: (fd: number) => Promise<T>, via: Connection): Promise<T> {
    const fd = this.assertOpen();
    this.fdHolds++;
    try {
      return await use(fd);
    } catch (e) {
      // Failed because `via` is closing: the request may still be in the I/O thread's queue for
      // that socket. The number is kept until the socket is gone, and its queue with it.
      if (via.closed) await via.close().catch(() => undefined);
      throw e;
    } finally {
      this.fdHolds--;
      this.closeFdIfUnused();
    }
  }

  private closeFdIfUnused(): void {
    if (this.closed && this.fdHolds === 0 && !this.fdClosed) {
      this.fdClosed = true;
      if (this.fdFromAddon) native().closeFd(this.fd);
      else closeSync(this.fd);
    }
  }

  /** @internal The request socket of this namespace, opened on first use. */
  connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(new ClosedError(this.label));
    this.conn ??= Connection.open({ nsFd: this.isProcessNamespace ? -1 : this.fd, label: this.label }).catch((e) => {
      this.conn = undefined;
      throw e;
    });
    return this.conn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the socket and the namespace fd (once the requests in flight that name this namespace
   * by fd have settled). The namespace lives on if it has a name or anything else holds it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Namespace.live.delete(this.ref);
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await (await conn.catch(() => undefined))?.close();
    this.closeFdIfUnused();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
