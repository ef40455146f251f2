// SPDX-License-Identifier: MIT
// A network namespace handle: an owned namespace fd plus, lazily, a netlink socket opened inside it.
// Every object operation happens through such a socket; no Node thread ever switches namespace.

import { openSync, closeSync, fstatSync } from 'node:fs';
import { ClosedError } from '../errors';
import { Connection } from '../netlink/connection';
import { native } from '../native/binding';
import { Link } from './link';

let anonymousCount = 0;

export class Namespace {
  private conn: Promise<Connection> | undefined;
  private closed = false;
  private static currentNs: Namespace | undefined;

  /** @internal */
  constructor(
    /** The namespace fd this handle owns (O_CLOEXEC). */
    readonly fd: number,
    /** Name under /run/netns, when it has one. */
    readonly name: string | undefined,
    /** Human label for messages. */
    readonly label: string,
    /** True for the namespace the process started in: its socket needs no namespace switch. */
    private readonly isProcessNamespace = false,
  ) {}

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
   * Creates a new, anonymous network namespace. It lives while this handle (or anything opened in
   * it) is open. Its `lo` is brought up unless `{ loopbackUp: false }`: a new namespace's `lo` is down,
   * and `ping 127.0.0.1` then fails with "Network is unreachable".
   *
   * Equivalent to: `unshare --net` (a namespace without a name under /run/netns)
   */
  static async create(options: { loopbackUp?: boolean } = {}): Promise<Namespace> {
    const fd = await native().createNetns();
    const ns = new Namespace(fd, undefined, `anonymous network namespace #${++anonymousCount}`);
    if (options.loopbackUp !== false) {
      try {
        await (await Link.get('lo', ns)).setUp();
      } catch (e) {
        await ns.close();
        throw e;
      }
    }
    return ns;
  }

  /**
   * Every link in this namespace.
   *
   * Equivalent to: `ip -n NS link show`
   */
  links(): Promise<Link[]> {
    return Link.list(this);
  }

  /**
   * One link of this namespace by name or index.
   *
   * Equivalent to: `ip -n NS link show dev NAME`
   */
  link(ref: string | number): Promise<Link> {
    return Link.get(ref, this);
  }

  /** The namespace's inode number (with `dev`, its identity). */
  get inode(): number {
    return fstatSync(this.fd).ino;
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

  /** Closes the socket and the namespace fd. The namespace itself lives on if anything else holds it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conn = this.conn;
    this.conn = undefined;
    if (conn) await (await conn.catch(() => undefined))?.close();
    closeSync(this.fd);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
