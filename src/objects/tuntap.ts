// SPDX-License-Identifier: MIT
// TUN/TAP devices: a virtual NIC with the kernel's stack on one side and this process on the other.
//
// The device is created by TUNSETIFF on a /dev/net/tun fd, in the namespace that fd was opened in,
// so the native namespace runner opens it inside the target namespace (no Node thread switches
// namespace). Packets then move on the native packet I/O thread (never the libuv pool, which fs
// streams on the fd would tie up) and reach JS in batches. Each queue is a Duplex in object mode:
// one chunk is one packet, with backpressure both ways.

import { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { errnoCode, errnoMessage, InvalidArgumentError, LinkNotFoundError, TunTapError, TunTapFailure } from '../errors';
import { native, OpenedTun, PACKET_CLOSED, PACKET_DRAIN, PACKET_ERROR, PACKETS, TunOpenOptions } from '../native/binding';
import { Values } from '../netlink/codec';
import { validateIfName, validateUint } from '../util/validate';
import { Link } from './link';
import { Namespace } from './namespace';

export type TunTapMode = 'tun' | 'tap';

export interface TunTapOptions {
  /** Interface name; a template such as 'tap%d' lets the kernel number it; default tunN/tapN. */
  name?: string;
  /** 'tun' carries IP packets, 'tap' Ethernet frames (and can join a bridge). */
  mode: TunTapMode;
  /** Where to create the device (default: the current namespace). */
  namespace?: Namespace;
  /** Prefix each packet with the 4-byte packet information header (default false: IFF_NO_PI). */
  packetInfo?: boolean;
  /** Prefix each packet with a virtio_net_hdr (IFF_VNET_HDR); a number also sets its size (TUNSETVNETHDRSZ). */
  vnetHdr?: boolean | number;
  /** Several queues (fds) on one device; see addQueue(). */
  multiQueue?: boolean;
  /** Keep the device after the last fd closes (TUNSETPERSIST). With open(), false clears it. */
  persist?: boolean;
  /** uid allowed to attach without CAP_NET_ADMIN (TUNSETOWNER); not set unless given. */
  owner?: number;
  /** gid allowed to attach without CAP_NET_ADMIN (TUNSETGROUP); not set unless given. */
  group?: number;
  /** Set the link up once created. */
  up?: boolean;
}

/** Options of TunTap.open(): mode and multiQueue are read from the device when not given. */
export type TunTapOpenOptions = Partial<TunTapOptions>;

/** Bytes queued on the native side before write() reports backpressure. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Largest packet accepted: a 64 KiB GSO frame plus virtio-net header and packet information. */
const MAX_PACKET = 65536 + 64;

type NativeFailure = { code?: string; errno?: number; syscall?: string; path?: string; text?: string };

function failure(reason: TunTapFailure, e: NativeFailure, op: string, device: string | undefined, hint: string): TunTapError {
  const errno = e.errno ?? -22;
  const what = [e.syscall, e.path].filter(Boolean).join(' ');
  return new TunTapError(`${op} failed: ${e.code ?? errnoCode(errno)}: ${e.text ?? errnoMessage(errno)}${what ? ` (${what})` : ''}. ${hint}`, {
    errno,
    ...(e.code ? { code: e.code } : {}),
    syscall: e.syscall ?? 'ioctl',
    ...(e.path ? { path: e.path } : {}),
    ...(device ? { device } : {}),
    reason,
    cause: e,
  });
}

type TunFlags = { mode: TunTapMode; packetInfo: boolean; vnetHdr: boolean; multiQueue: boolean; persist: boolean };

/** A tun device's flags as rtnetlink reports them (IFLA_TUN_*); undefined for other devices. */
function tunFlags(link: Link): TunFlags | undefined {
  if (link.kind !== 'tun') return undefined;
  const d = (link.linkInfo?.data ?? {}) as Values;
  return { mode: d.type === native().tunTypes.tap ? 'tap' : 'tun', packetInfo: !!d.pi, vnetHdr: !!d.vnetHdr, multiQueue: !!d.multiQueue, persist: !!d.persist };
}

/** What a name belongs to, for checks and error messages; undefined if there is no such device. */
async function describeDevice(name: string, ns: Namespace): Promise<{ link: Link; tun: TunFlags | undefined } | undefined> {
  try {
    const link = await Link.get(name, ns);
    return { link, tun: tunFlags(link) };
  } catch (e) {
    if (e instanceof LinkNotFoundError) return undefined;
    throw e;
  }
}

/** Turns a native failure of tunOpen into a TunTapError that says what to do. */
async function openError(e: unknown, op: string, o: TunOpenOptions, ns: Namespace): Promise<Error> {
  const err = e as NativeFailure;
  const name = o.name || undefined;
  if (err.syscall === 'open' && ['ENOENT', 'ENODEV', 'ENXIO'].includes(err.code ?? '')) {
    return failure('no-tun-device', err, op, name, 'There is no /dev/net/tun: load the tun module (modprobe tun) or create the node (mknod /dev/net/tun c 10 200)');
  }
  if (err.code === 'EPERM' || err.code === 'EACCES') {
    return failure('permission', err, op, name, 'Creating or attaching to a tun/tap device needs CAP_NET_ADMIN in the namespace\'s user namespace (or, for a persistent device, being its owner or in its group)');
  }
  if (err.path === 'TUNSETOWNER' && err.code === 'EINVAL') return failure('invalid-owner', err, op, name, `uid ${o.owner} has no mapping in this user namespace`);
  if (err.path === 'TUNSETGROUP' && err.code === 'EINVAL') return failure('invalid-group', err, op, name, `gid ${o.group} has no mapping in this user namespace`);
  if (err.path !== 'TUNSETIFF' || !name) return failure('system', err, op, name, 'The kernel refused the request');
  if (err.code === 'ENODEV') return failure('not-found', err, op, name, `No device "${name}" in ${ns.label}; TunTap.create() makes one`);
  const dev = await describeDevice(name, ns).catch(() => undefined);
  if (dev && !dev.tun) return failure('name-in-use', err, op, name, `"${name}" is a ${dev.link.kind ?? 'network'} device, not a tun/tap one; choose another name`);
  if (err.code === 'EBUSY' && o.exclusive) {
    return failure('name-in-use', err, op, name, `A ${dev?.tun?.mode ?? 'tun/tap'} device "${name}" already exists; TunTap.open("${name}") attaches to it`);
  }
  if (err.code === 'EBUSY') return failure('busy', err, op, name, `"${name}" is already attached to another file descriptor; only a multiQueue device takes more than one`);
  const mode = o.tap ? 'tap' : 'tun';
  if (err.code === 'EINVAL' && dev?.tun && (dev.tun.mode !== mode || dev.tun.multiQueue !== o.multiQueue)) {
    const has = `${dev.tun.mode}${dev.tun.multiQueue ? ' multi-queue' : ''}`;
    return failure('mode-mismatch', err, op, name, `"${name}" is a ${has} device; it was asked for as ${mode}${o.multiQueue ? ' multi-queue' : ''}`);
  }
  return failure('system', err, op, name, 'The kernel refused TUNSETIFF');
}

const nsFdOf = (ns: Namespace): number => (ns === Namespace.current() ? -1 : ns.assertOpen());
const closedError = (device: string, syscall: string) => new TunTapError(`"${device}" queue is closed`, { errno: -9, syscall, device, reason: 'system' });

/**
 * One queue (fd) of a tun/tap device, as a Duplex in object mode: each chunk read is one packet
 * (a Buffer), each chunk written must be one packet. `for await (const packet of queue)` reads.
 * Reading starts when something consumes the stream and pauses when its buffer is full; while it
 * reads, the queue keeps the process alive. Write errors of single packets (EIO while the link is
 * down, EINVAL for a malformed packet) drop the packet, count in `writeErrors` and emit 'writeError'.
 */
export class TunQueue extends Duplex {
  /** Packets the kernel refused on write. */
  writeErrors = 0;
  private readonly port: number;
  private reading = false;
  private drainCb: ((e?: Error | null) => void) | undefined;
  private outbox: [Uint8Array | Uint8Array[], (e?: Error | null) => void] | undefined;
  private onDetached: ((fd: number) => void) | undefined;
  private released: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** @internal */
  constructor(
    /** The /dev/net/tun fd (owned by the native packet thread until close). */
    protected readonly fd: number,
    /** Device name, for messages. */
    readonly device: string,
  ) {
    super({ objectMode: true, readableHighWaterMark: 1024, writableHighWaterMark: 1024 });
    this.port = native().packetAttach(fd, (kind, a, b, c, code, text) => this.onEvent(kind, a, b, c, code as string, text as string));
  }

  private onEvent(kind: number, a: unknown, b: unknown, c: unknown, code?: string, text?: string): void {
    if (kind === PACKETS) return this.onPackets(a as Buffer);
    if (kind === PACKET_DRAIN) return this.drainCb?.(), (this.drainCb = undefined);
    if (kind === PACKET_CLOSED) return this.onDetached?.(a as number);
    if (kind !== PACKET_ERROR) return;
    const e = { errno: -(a as number), code: code ?? errnoCode(a as number), syscall: b as string, ...(text ? { text } : {}) };
    if (e.code === 'EBADFD') {
      this.destroy(failure('device-removed', e, `${b} on "${this.device}"`, this.device, 'The device was deleted while this queue was open'));
    } else if (b === 'write') {
      this.writeErrors += c as number;
      this.emit('writeError', failure('system', e, `write to "${this.device}"`, this.device, `${c} packet(s) dropped`));
    } else {
      this.destroy(failure('system', e, `${b} on "${this.device}"`, this.device, 'Packet I/O stopped'));
    }
  }

  private onPackets(frames: Buffer): void {
    if (this.readableEnded || this.destroyed || this.closing) return;
    let more = true;
    for (let off = 0; off + 4 <= frames.length; ) {
      const len = frames.readUInt32LE(off);
      more = this.push(frames.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (!more) this.setReading(false);
  }

  private setReading(on: boolean): void {
    if (this.reading === on || this.released) return;
    this.reading = on;
    native().packetRead(this.port, on);
  }

  override _read(): void { this.setReading(true); }

  /** Queues one packet; false means wait for 'drain' (stream semantics). Throws for a non-packet. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override write(chunk: any, encoding?: any, cb?: any): boolean {
    if (!(chunk instanceof Uint8Array) || chunk.length === 0 || chunk.length > MAX_PACKET) {
      const shown = chunk instanceof Uint8Array ? `${chunk.constructor.name}(${chunk.length})` : typeof chunk;
      throw new InvalidArgumentError('packet', shown, `a packet is a non-empty Uint8Array of at most ${MAX_PACKET} bytes`);
    }
    return super.write(chunk, encoding, cb);
  }

  override _write(chunk: Uint8Array, _enc: BufferEncoding, cb: (e?: Error | null) => void): void { this.send(chunk, cb); }
  override _writev(chunks: { chunk: Uint8Array }[], cb: (e?: Error | null) => void): void { this.send(chunks.map((c) => c.chunk), cb); }

  // The native copy is made on the next tick, with the callback: writes made meanwhile (say, replies
  // to a batch just read) wait in the Writable's buffer and come as one _writev, so a batch costs
  // one call and at most one thread wake-up instead of one per packet. That is what lets the JS and
  // packet threads work at the same time. The chunk is not touched after the callback.
  private send(packets: Uint8Array | Uint8Array[], cb: (e?: Error | null) => void): void {
    this.outbox = [packets, cb];
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    if (!this.outbox) return;
    const [packets, cb] = this.outbox;
    this.outbox = undefined;
    const queued = native().packetWrite(this.port, packets);
    if (queued < 0) cb(closedError(this.device, 'write'));
    else if (queued > WRITE_HIGH_WATER) this.drainCb = cb;
    else cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.release().then(() => cb(err), (e: Error) => cb(err ?? e));
  }

  /** Gives the fd back from the packet thread and closes it on the namespace runner (may take ~20 ms). */
  private release(): Promise<void> {
    this.released ??= new Promise<number>((resolve) => {
      this.flush();
      this.onDetached = resolve;
      this.reading = false;
      native().packetClose(this.port);
    }).then((fd) => native().tunClose(fd));
    return this.released;
  }

  /**
   * Stops reading (a pending `for await` ends normally), lets queued writes go out, and closes
   * the fd. For a non-persistent device, closing its last queue removes it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.setReading(false);
      if (!this.destroyed) {
        if (!this.readableEnded) this.push(null);
        if (!this.writableEnded) this.end();
        await finished(this, { readable: false }).catch(() => undefined);
      }
      await this.release();
    })();
    return this.closing;
  }

  /** Takes this queue out of a multi-queue device's rotation without closing it (TUNSETQUEUE, IFF_DETACH_QUEUE). */
  detach(): Promise<void> { return this.queueIoctl('detachQueue'); }
  /** Puts a detached queue back (TUNSETQUEUE, IFF_ATTACH_QUEUE). */
  attach(): Promise<void> { return this.queueIoctl('attachQueue'); }

  private async queueIoctl(op: 'attachQueue' | 'detachQueue'): Promise<void> {
    if (this.released) throw closedError(this.device, 'ioctl');
    await native().tunIoctl(this.fd, op).catch((e: NativeFailure) => {
      const hint = 'TUNSETQUEUE needs a multiQueue device, and a queue that is not already in that state';
      throw failure('system', e, `${op === 'attachQueue' ? 'attach' : 'detach'} queue of "${this.device}"`, this.device, hint);
    });
  }

  override [Symbol.asyncDispose](): Promise<void> { return this.close(); }
}

/**
 * A TUN or TAP device and its first queue; `link` is its Link (addresses, MTU, master via rtnetlink).
 * Equivalent to: `ip tuntap add dev NAME mode tun|tap [pi] [vnet_hdr] [multi_queue] [user U] [group G]`
 * plus a program holding the fd.
 */
export class TunTap extends TunQueue {
  readonly name: string;
  readonly mode: TunTapMode;
  readonly packetInfo: boolean;
  readonly vnetHdr: boolean;
  readonly multiQueue: boolean;
  /** Whether the device outlives its last fd (as of creation/open, or delete()). */
  persistent: boolean;
  private readonly queues = new Set<TunQueue>();

  private constructor(
    opened: OpenedTun,
    readonly namespace: Namespace,
    /** The device as rtnetlink saw it right after creation; `link.refresh()` updates it. */
    readonly link: Link,
  ) {
    super(opened.fd, opened.name);
    const flags = tunFlags(link)!;
    this.name = opened.name;
    ({ mode: this.mode, packetInfo: this.packetInfo, vnetHdr: this.vnetHdr, multiQueue: this.multiQueue, persist: this.persistent } = flags);
  }

  /**
   * Creates a device (the name must be free) and opens its first queue.
   *
   * Equivalent to: `ip tuntap add dev NAME mode MODE ...` (with `persist: true`), `ip link set NAME up`
   */
  static async create(options: TunTapOptions): Promise<TunTap> {
    const o = nativeOptions(options, 'create');
    if (o.name && !o.name.includes('%')) o.exclusive = true;
    if (!options.persist) delete o.persist; // a new device is not persistent: nothing to ask for
    return TunTap.start(o, options, `create ${options.mode} device${o.name ? ` "${o.name}"` : ''}`, true);
  }

  /**
   * Attaches to an existing (usually persistent) tun/tap device. `mode` and `multiQueue`, when
   * given, must match the device; `persist: false` makes it go away when the last fd closes.
   *
   * Equivalent to: what `ip tuntap del` and qemu's `ifname=` do: TUNSETIFF on an existing name
   */
  static async open(name: string, options: TunTapOpenOptions = {}): Promise<TunTap> {
    validateIfName(name);
    const ns = options.namespace ?? Namespace.current();
    const op = `open tun/tap device "${name}"`;
    const dev = await describeDevice(name, ns);
    if (!dev) throw failure('not-found', { errno: -19, syscall: 'ioctl', path: 'TUNSETIFF' }, op, name, `No device "${name}" in ${ns.label}; TunTap.create() makes one`);
    if (!dev.tun) throw failure('name-in-use', { errno: -22, syscall: 'ioctl', path: 'TUNSETIFF' }, op, name, `"${name}" is a ${dev.link.kind ?? 'network'} device, not a tun/tap one`);
    const o = nativeOptions({ mode: dev.tun.mode, multiQueue: dev.tun.multiQueue, ...options, name }, 'open');
    o.attachOnly = true;
    return TunTap.start(o, { ...options, mode: o.tap ? 'tap' : 'tun' }, op, false);
  }

  private static async start(o: TunOpenOptions, options: Partial<TunTapOptions>, op: string, created: boolean): Promise<TunTap> {
    const ns = options.namespace ?? Namespace.current();
    const opened = await native().tunOpen(nsFdOf(ns), o).catch(async (e) => Promise.reject(await openError(e, op, o, ns)));
    try {
      const link = await Link.get(opened.ifindex || opened.name, ns);
      if (options.up) await link.setUp();
      return new TunTap(opened, ns, link);
    } catch (e) {
      // Leave nothing behind: a device this call made goes with its fd unless it persists.
      if (created && o.persist) await native().tunIoctl(opened.fd, 'persist', 0).catch(() => undefined);
      await native().tunClose(opened.fd).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Opens another queue of a multiQueue device (another fd; the kernel spreads packets over them).
   *
   * Equivalent to: a second open of /dev/net/tun with TUNSETIFF on the same name and IFF_MULTI_QUEUE
   */
  async addQueue(): Promise<TunQueue> {
    const op = `add a queue to "${this.name}"`;
    if (!this.multiQueue) throw new InvalidArgumentError('multiQueue', false, `"${this.name}" was not created with multiQueue: true; it has one queue`);
    const o: TunOpenOptions = { name: this.name, tap: this.mode === 'tap', packetInfo: this.packetInfo, vnetHdr: this.vnetHdr, multiQueue: true, attachOnly: true };
    const opened = await native().tunOpen(nsFdOf(this.namespace), o).catch(async (e) => Promise.reject(await openError(e, op, o, this.namespace)));
    const q = new TunQueue(opened.fd, this.name);
    this.queues.add(q);
    q.once('close', () => this.queues.delete(q));
    return q;
  }

  /** Every queue opened with addQueue() and not closed. */
  get extraQueues(): TunQueue[] { return [...this.queues]; }

  /** Closes the extra queues and this one. A non-persistent device then goes away. */
  override async close(): Promise<void> {
    await Promise.all([...this.queues].map((q) => q.close()));
    await super.close();
  }

  /**
   * Deletes the device: clears persist and closes every queue; if some other process still holds
   * it, removes it through rtnetlink as well.
   *
   * Equivalent to: `ip tuntap del dev NAME mode MODE` (then `ip link del NAME` if still held)
   */
  async delete(): Promise<void> {
    if (this.persistent) {
      await native().tunIoctl(this.fd, 'persist', 0).catch((e: NativeFailure) => {
        throw failure('system', e, `delete "${this.name}"`, this.name, 'TUNSETPERSIST failed');
      });
      this.persistent = false;
    }
    await this.close();
    const still = await describeDevice(this.name, this.namespace);
    if (still?.tun && still.link.index === this.link.index) await still.link.delete().catch((e) => (e instanceof LinkNotFoundError ? undefined : Promise.reject(e)));
  }
}

/** Validates user options and turns them into what the native layer takes. */
function nativeOptions(options: Partial<TunTapOptions>, what: 'create' | 'open'): TunOpenOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'expected an object');
  if (options.mode !== 'tun' && options.mode !== 'tap') throw new InvalidArgumentError('mode', options.mode, "mode is 'tun' or 'tap'");
  const o: TunOpenOptions = { tap: options.mode === 'tap', packetInfo: !!options.packetInfo, vnetHdr: !!options.vnetHdr, multiQueue: !!options.multiQueue };
  if (options.name !== undefined) o.name = validateIfName(options.name);
  if (typeof options.vnetHdr === 'number') o.vnetHdrSize = validateUint(options.vnetHdr, 'vnetHdr', 10, 1024);
  // 0xffffffff is the kernel's "no owner" (INVALID_UID), not an id anyone can have.
  if (options.owner !== undefined) o.owner = validateUint(options.owner, 'owner', 0, 0xfffffffe);
  if (options.group !== undefined) o.group = validateUint(options.group, 'group', 0, 0xfffffffe);
  if (options.persist !== undefined) {
    if (typeof options.persist !== 'boolean') throw new InvalidArgumentError('persist', options.persist, 'expected a boolean');
    o.persist = options.persist;
  }
  if (options.namespace !== undefined && !(options.namespace instanceof Namespace)) {
    throw new InvalidArgumentError('namespace', String(options.namespace), `expected a Namespace (to ${what} the device in)`);
  }
  return o;
}
