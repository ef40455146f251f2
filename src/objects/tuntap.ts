// SPDX-License-Identifier: MIT
// TUN/TAP devices: a virtual NIC with the kernel's stack on one side and this process on the other.
//
// The device is created by TUNSETIFF on a /dev/net/tun fd, in the namespace that fd was opened in,
// so the native namespace runner opens it inside the target namespace (no Node thread switches
// namespace). Packets then move on the native packet I/O thread (never the libuv pool, which fs
// streams on the fd would tie up) and reach JS in batches. Each queue is a TunQueue (tun-queue.ts).

import { InvalidArgumentError, LinkNotFoundError, VnetkitError } from '../errors';
import { native, OpenedTun, tunOpen, TunOpenOptions } from '../native/binding';
import { yieldIfBusy } from '../util/slices';
import { validateIfName, validateUint } from '../util/validate';
import { Link } from './link';
import { Namespace, namespaceArg } from './namespace';
import { followUpFor, readFollowUp } from './tun-follow-up';
import { failure, NativeFailure, TunQueue } from './tun-queue';

export { TunQueue } from './tun-queue';

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
  /**
   * Device group (IFLA_GROUP, what `ip link set dev X group G` sets; not the `group` gid above),
   * set by the job that makes the device. Devices made in a group of their own are deleted all at
   * once, with one kernel wait, by `ns.deleteLinks({ group })`.
   */
  deviceGroup?: number;
  /** Set the link up once created. */
  up?: boolean;
}

/** Options of TunTap.createPersistent(): the device always persists. */
export type PersistentTunTapOptions = Omit<TunTapOptions, 'persist'> & { persist?: true };

/** Options of TunTap.open(): mode and multiQueue are read from the device when not given. */
export type TunTapOpenOptions = Partial<Omit<TunTapOptions, 'deviceGroup'>>;

type TunFlags = { mode: TunTapMode; packetInfo: boolean; vnetHdr: boolean; multiQueue: boolean; persist: boolean };

/** A tun device's flags as rtnetlink reports them (IFLA_TUN_*); undefined for other devices. */
function tunFlags(link: Link): TunFlags | undefined {
  if (!link.isKind('tun')) return undefined;
  const d = link.data!;
  return { mode: d.mode ?? 'tun', packetInfo: d.packetInfo, vnetHdr: d.vnetHdr, multiQueue: d.multiQueue, persist: d.persist };
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

/**
 * The Link of a device tunOpen just made, as its job read it back (see tun-follow-up.ts), with the
 * device group set when one was asked for. Should the job have had no answer, the device is read
 * (and its group set) from here. A persistent device nobody holds (closeAfter) is deleted if its
 * group cannot be set; otherwise the caller's closing its fd removes it.
 */
async function followedUp(ns: Namespace, opened: OpenedTun, o: TunOpenOptions, deviceGroup: number | undefined, op: string): Promise<Link> {
  const { link, groupError } = readFollowUp(ns, opened.replies, opened.name, deviceGroup);
  const removed = (why: string) => failure('device-removed', { errno: -19, code: 'ENODEV', syscall: 'ioctl', path: 'TUNSETIFF' }, op, opened.name, why);
  const gone = () => removed(`"${opened.name}" was deleted right after it was made`);
  if (groupError) {
    if (groupError.code === 'ENODEV') throw gone();
    if (o.closeAfter) {
      const made = link ?? (await Link.get(opened.ifindex || opened.name, ns).catch(() => undefined));
      if (made?.kind === 'tun') await made.delete().catch(() => undefined);
    }
    throw groupError;
  }
  // The job looked the index up right after TUNSETIFF, so what it read is the device it made, but
  // the device may have been deleted since and its name taken by another.
  if (link && link.kind !== 'tun') throw removed(`"${opened.name}" is no longer a tun/tap device`);
  if (link) return link;
  const l = await Link.get(opened.ifindex || opened.name, ns).catch((e) => Promise.reject(e instanceof LinkNotFoundError ? gone() : e));
  if (l.kind !== 'tun') throw removed(`"${opened.name}" is no longer a tun/tap device`);
  if (deviceGroup !== undefined && l.group !== deviceGroup) {
    await l.set({ group: deviceGroup }).catch(async (e) => {
      if (o.closeAfter) await l.delete().catch(() => undefined);
      throw e;
    });
  }
  return l;
}

/** The device group asked for, validated. */
function deviceGroupOf(options: { deviceGroup?: unknown }): number | undefined {
  return options.deviceGroup === undefined ? undefined : validateUint(options.deviceGroup as number, 'deviceGroup', 0, 0xffffffff);
}

const nsFdOf = (ns: Namespace): number => (ns === Namespace.current() ? -1 : ns.assertOpen());

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
    flags: TunFlags,
  ) {
    super(opened.fd, opened.name);
    this.name = opened.name;
    ({ mode: this.mode, packetInfo: this.packetInfo, vnetHdr: this.vnetHdr, multiQueue: this.multiQueue, persist: this.persistent } = flags);
  }

  /**
   * Creates a device (the name must be free) and opens its first queue.
   *
   * Equivalent to: `ip tuntap add dev NAME mode MODE ...` (with `persist: true`),
   * `ip link set dev NAME group DEVICEGROUP`, `ip link set NAME up`
   */
  static async create(options: TunTapOptions): Promise<TunTap> {
    const o = nativeOptions(options, 'create');
    if (o.name && !o.name.includes('%')) o.exclusive = true;
    if (!options.persist) delete o.persist; // a new device is not persistent: nothing to ask for
    return TunTap.start(o, options, `create ${options.mode} device${o.name ? ` "${o.name}"` : ''}`, true);
  }

  /**
   * Creates a persistent device and keeps no fd on it: for a VM or another process to attach to
   * later (TunTap.open, qemu's `ifname=`). Resolves with its Link. Cheaper than `create()` followed
   * by `close()`: open, TUNSETIFF, the options, TUNSETPERSIST and close are one job on the
   * namespace thread, and no packet queue is set up. Delete it with `link.delete()`, or many at
   * once with `Link.deleteMany()`.
   *
   * Equivalent to: `ip tuntap add dev NAME mode MODE [pi] [vnet_hdr] [multi_queue] [user U] [group G]`,
   * `ip link set dev NAME group DEVICEGROUP`, `ip link set NAME up`
   */
  static async createPersistent(options: PersistentTunTapOptions): Promise<Link> {
    // The gate comes first, so a burst of calls made in one loop does its validation and encoding
    // in slices rather than all at once (7-11 ms for 1,000).
    await yieldIfBusy();
    const o = nativeOptions(options, 'create');
    if ((options as { persist?: unknown }).persist === false) {
      throw new InvalidArgumentError('persist', false, 'createPersistent() makes persistent devices; TunTap.create() makes one that goes with its fd');
    }
    const ns = namespaceArg(options.namespace, 'namespace');
    o.persist = true;
    if (o.name && !o.name.includes('%')) o.exclusive = true;
    o.closeAfter = true;
    const deviceGroup = deviceGroupOf(options);
    o.followUp = followUpFor(deviceGroup);
    const op = `create persistent ${options.mode} device${o.name ? ` "${o.name}"` : ''}`;
    const opened = await tunOpen(nsFdOf(ns), o).catch(async (e) => Promise.reject(e instanceof VnetkitError ? e : await openError(e, op, o, ns)));
    const link = await followedUp(ns, opened, o, deviceGroup, op);
    if (options.up) {
      // Leave nothing behind: nobody holds the device, so it goes only if deleted.
      await link.setUp().catch(async (e) => {
        await link.delete().catch(() => undefined);
        throw e;
      });
    }
    return link;
  }

  /**
   * Attaches to an existing (usually persistent) tun/tap device. `mode` and `multiQueue`, when
   * given, must match the device; `persist: false` makes it go away when the last fd closes.
   *
   * Equivalent to: what `ip tuntap del` and qemu's `ifname=` do: TUNSETIFF on an existing name
   */
  static async open(name: string, options: TunTapOpenOptions = {}): Promise<TunTap> {
    validateIfName(name);
    if ((options as { deviceGroup?: unknown }).deviceGroup !== undefined) {
      throw new InvalidArgumentError('deviceGroup', (options as { deviceGroup?: unknown }).deviceGroup, 'open() attaches to a device that exists; tap.link.set({ group }) moves it to a group');
    }
    const ns = namespaceArg(options.namespace, 'namespace');
    const op = `open tun/tap device "${name}"`;
    const dev = await describeDevice(name, ns);
    if (!dev) throw failure('not-found', { errno: -19, syscall: 'ioctl', path: 'TUNSETIFF' }, op, name, `No device "${name}" in ${ns.label}; TunTap.create() makes one`);
    if (!dev.tun) throw failure('name-in-use', { errno: -22, syscall: 'ioctl', path: 'TUNSETIFF' }, op, name, `"${name}" is a ${dev.link.kind ?? 'network'} device, not a tun/tap one`);
    const o = nativeOptions({ mode: dev.tun.mode, multiQueue: dev.tun.multiQueue, ...options, name }, 'open');
    o.attachOnly = true;
    return TunTap.start(o, { ...options, mode: o.tap ? 'tap' : 'tun' }, op, false);
  }

  private static async start(o: TunOpenOptions, options: Partial<TunTapOptions>, op: string, created: boolean): Promise<TunTap> {
    const ns = namespaceArg(options.namespace, 'namespace');
    // Each open is a job posted to the namespace runner; a burst of 1,000 posted in one macrotask
    // held the event loop 15-22 ms. The gate spreads them over ~1 ms slices.
    await yieldIfBusy();
    const deviceGroup = created ? deviceGroupOf(options) : undefined;
    if (created) o.followUp = followUpFor(deviceGroup);
    const opened = await tunOpen(nsFdOf(ns), o).catch(async (e) => Promise.reject(await openError(e, op, o, ns)));
    try {
      const link = created ? await followedUp(ns, opened, o, deviceGroup, op) : await Link.get(opened.ifindex || opened.name, ns);
      if (options.up) await link.setUp();
      // A device this call made has the flags it was made with (TUNSETIFF created it so); one it
      // attached to is described as rtnetlink reports it. (Decoding IFLA_LINKINFO for every tap
      // was 8% of the main thread's time in bursts of 1,000 creates.)
      const flags = created && link.kind === 'tun'
        ? { mode: o.tap ? 'tap' : 'tun', packetInfo: o.packetInfo, vnetHdr: o.vnetHdr, multiQueue: o.multiQueue, persist: o.persist === true } as const
        : tunFlags(link);
      // The name was looked up after the device was made: it may have gone and its name been
      // taken by another kind of device meanwhile.
      if (!flags) throw failure('device-removed', { errno: -19, code: 'ENODEV', syscall: 'ioctl', path: 'TUNSETIFF' }, op, opened.name, `"${opened.name}" is no longer a tun/tap device`);
      return new TunTap(opened, ns, link, flags);
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
    const opened = await tunOpen(nsFdOf(this.namespace), o).catch(async (e) => Promise.reject(await openError(e, op, o, this.namespace)));
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
