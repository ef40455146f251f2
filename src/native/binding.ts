// SPDX-License-Identifier: MIT
// The only importer of the compiled addon. Everything native is typed here, so the rest of the
// library never touches `any`.

import { join } from 'node:path';

export interface OpenedNetlinkSocket {
  fd: number;
  portId: number;
  extAck: boolean;
  strict: boolean;
  capAck: boolean;
}

export interface NetlinkSocketOptions {
  protocol: number;
  rcvbuf?: number;
  sndbuf?: number;
  strict?: boolean;
  groups?: number[];
}

/** Flat event batch from the I/O thread: [fd, kind, payload, token, ...]. */
export type IoEventBatch = unknown[];

export const IO_DATA = 0;
export const IO_ERROR = 1;
export const IO_CLOSED = 2;

/** System calls the fault-injection seam can fail (native/fault.h). */
export type FaultSite = 'socket' | 'bind' | 'setns' | 'unshare' | 'sendmsg' | 'recvmsg' | 'open' | 'ioctl' | 'mount' | 'epoll' | 'eventfd' | 'dup';

export interface NativeBinding {
  /** Registers this copy of the library as an event receiver; starts the I/O thread once. */
  ioStart(onEvents: (batch: IoEventBatch) => void): number;
  ioAttach(fd: number, client: number): void;
  /** Queues requests (copied) for the I/O thread to send in order; a failed send reports its token. */
  ioSend(fd: number, requests: Uint8Array[], tokens: number[]): void;
  ioClose(fd: number): void;
  ioRef(): void;
  ioUnref(): void;
  /** Opens a netlink socket inside the namespace `nsFd` (-1: the runner's home) on the namespace thread. */
  openNetlink(nsFd: number, options: NetlinkSocketOptions): Promise<OpenedNetlinkSocket>;
  runnerStats(): { retired: number };
  /** Closes an fd the addon handed to JS (a namespace it made); the environment's teardown closes those JS never did. */
  closeFd(fd: number): void;
  /** Forgets an fd the addon handed to JS, now owned by something that closes it (a Node socket). */
  releaseFd(fd: number): void;
  /**
   * Tests only (needs VNETKIT_FAULT_INJECTION=1): invocations nth .. nth+times-1 of `site`, counted
   * from the first arming since a reset, fail with `errno` (positive).
   */
  faultArm(site: FaultSite, nth: number, errno: number, times?: number): void;
  /** Tests only: disarms every fault; returns how often each site was invoked while armed. */
  faultReset(): Record<FaultSite, number>;
  /** Tests only: strands the runner thread in a fresh namespace; resolves with that namespace's inode. */
  debugStrandRunner(): Promise<number>;
  /**
   * Creates network namespaces in one namespace-thread job: each named (bind-mounted at a path
   * under `dir`) or anonymous (''). `loUp`, a netlink request, is sent from inside each one
   * `wanted` marks; its replies come back with the fd (none if it could not be sent).
   */
  createNetnsMany(dir: string, paths: string[], ...loUp: [] | [request: Uint8Array, wanted: boolean[]]): Promise<({ fd: number; replies?: Uint8Array } | Error)[]>;
  /** Bind-mounts the namespace `nsFd` at `path` (under `dir`, made a shared mount). */
  persistNetns(nsFd: number, dir: string, path: string): Promise<void>;
  /** Unmounts (MNT_DETACH) and unlinks a namespace name. */
  deleteNetns(path: string): Promise<void>;
  /** deleteNetns for several names in one job; resolves with each one's error, or null. */
  deleteNetnsMany(paths: string[]): Promise<(Error | null)[]>;
  /** CLONE_NEW* type of a namespace fd; throws for other files. */
  nsType(fd: number): number;
  readonly CLONE_NEWNET: number;
  /** Creates a socket inside the namespace (and binds it when bindAddress is a string). */
  socketIn(nsFd: number, family: number, type: number, bindAddress: string | null, port: number): Promise<{ fd: number; port: number }>;
  readonly socketConstants: { AF_INET: number; AF_INET6: number; SOCK_STREAM: number; SOCK_DGRAM: number };
  /** Tests only: malloc_trim(0), so RSS shows live memory rather than a burst's high-water mark. */
  releaseFreeMemory(): boolean;
  /** Inode of the network namespace the runner thread sits in between jobs. */
  runnerNetnsInode(): Promise<number>;
  /**
   * Opens /dev/net/tun inside the namespace `nsFd` (-1: the runner's home) and runs TUNSETIFF and
   * the options asked for; `bits` from tunOpenBits, -1 for size/owner/group not to set. Then, when
   * `followUp` is given, sends it (the device's ifindex written at each of `indexAt`) on a netlink
   * socket of that namespace and returns the first `replies` datagrams. See tunOpen().
   */
  tunOpen(nsFd: number, name: string, bits: number, vnetHdrSize: number, owner: number, group: number,
    followUp?: Uint8Array, indexAt?: Uint32Array, replies?: number): Promise<OpenedTun>;
  readonly tunOpenBits: Record<'tap' | 'packetInfo' | 'vnetHdr' | 'multiQueue' | 'exclusive' | 'attachOnly' | 'closeAfter' | 'persistSet' | 'persistOn', number>;
  /** One tun ioctl on (a dup of) `fd`, on the namespace thread. */
  tunIoctl(fd: number, op: TunIoctlOp, value?: number): Promise<void>;
  /** Closes a tun fd on the namespace thread (the last close of a non-persistent device unregisters it). */
  tunClose(fd: number): Promise<void>;
  /** Hands `fd` to the packet I/O thread; returns the port id. Events: see PacketEventHandler. */
  packetAttach(fd: number, onEvent: PacketEventHandler): number;
  /** Starts (true) or pauses (false) reading a port. */
  packetRead(port: number, on: boolean): void;
  /** Queues packets (copied); returns the bytes now queued, or -1 if the port is closed. A PACKET_DRAIN follows once written. */
  packetWrite(port: number, packets: Uint8Array | Uint8Array[]): number;
  /** Detaches the port; its PACKET_CLOSED event gives the fd back. */
  packetClose(port: number): void;
  /** Reads sysctl files (paths under /proc/sys/net/) inside the namespace, all in one namespace-thread job. */
  sysctlGet(nsFd: number, paths: string[]): Promise<(string | SysctlFailureInfo)[]>;
  /** Writes them in one job: all opened and read first, then written; a refused write puts the others back (see native/sysctl.cc). */
  sysctlSet(nsFd: number, paths: string[], values: string[]): Promise<SysctlSetResult>;
  /** Every file under a /proc/sys/net directory (or that one file, path ''), read in one job. */
  sysctlList(nsFd: number, path: string): Promise<{ paths: string[]; modes: number[]; values: (string | SysctlFailureInfo)[] }>;
  /** IFLA_TUN_TYPE values (IFF_TUN, IFF_TAP from <linux/if_tun.h>). */
  readonly tunTypes: { tun: number; tap: number };
}

/** A sysctl file that could not be opened, read or written: negative errno, the call, and its mode bits (-1 when it does not exist). */
export interface SysctlFailureInfo {
  errno: number;
  syscall: string;
  mode: number;
}

export interface SysctlSetResult {
  /** Each file's value before the job (null: write-only). */
  old: (string | null)[];
  /** Index of the refused key, -1 if every value was written. */
  failed: number;
  error?: SysctlFailureInfo;
  /** Indexes written and not put back after the refusal. */
  notRestored: number[];
}

export interface TunOpenOptions {
  name?: string;
  tap: boolean;
  packetInfo: boolean;
  vnetHdr: boolean;
  multiQueue: boolean;
  /** Fail with EBUSY when the name exists (IFF_TUN_EXCL). */
  exclusive?: boolean;
  /** Only attach to an existing device (ENODEV otherwise); never create one. */
  attachOnly?: boolean;
  vnetHdrSize?: number;
  owner?: number;
  group?: number;
  persist?: boolean;
  /** Close the fd once the options are set (with persist: the device stays, as `ip tuntap add` leaves it); fd is then -1. */
  closeAfter?: boolean;
  /** Netlink requests about the device to send from the same job once it is made (tun-follow-up.ts). */
  followUp?: { request: Uint8Array; indexAt: Uint32Array; replies: number };
}

export interface OpenedTun {
  /** -1 with closeAfter. */
  fd: number;
  /** The device's name (the kernel fills in templates such as 'tap%d'). */
  name: string;
  /** The device's index when attaching to an existing one, or made with a followUp; otherwise 0 (look it up by name). */
  ifindex: number;
  /** The kernel's answers to `followUp`, one datagram after another; absent if it could not be sent. */
  replies?: Uint8Array;
}

export type TunIoctlOp = 'persist' | 'owner' | 'group' | 'vnetHdrSize' | 'attachQueue' | 'detachQueue';

/** Packet port events: (PACKETS, frames, count) | (ERROR, errno, syscall, count, code, text) | (CLOSED, fd) | (DRAIN). */
export type PacketEventHandler = (kind: number, a?: unknown, b?: unknown, c?: unknown, code?: unknown, text?: unknown) => void;
export const PACKETS = 0;
export const PACKET_ERROR = 1;
export const PACKET_CLOSED = 2;
export const PACKET_DRAIN = 3;

/** native().tunOpen with the options as an object. */
export function tunOpen(nsFd: number, o: TunOpenOptions): Promise<OpenedTun> {
  const n = native();
  const b = n.tunOpenBits;
  const bits = (o.tap ? b.tap : 0) | (o.packetInfo ? b.packetInfo : 0) | (o.vnetHdr ? b.vnetHdr : 0) | (o.multiQueue ? b.multiQueue : 0)
    | (o.exclusive ? b.exclusive : 0) | (o.attachOnly ? b.attachOnly : 0) | (o.closeAfter ? b.closeAfter : 0)
    | (o.persist === undefined ? 0 : b.persistSet | (o.persist ? b.persistOn : 0));
  const f = o.followUp;
  return f
    ? n.tunOpen(nsFd, o.name ?? '', bits, o.vnetHdrSize ?? -1, o.owner ?? -1, o.group ?? -1, f.request, f.indexAt, f.replies)
    : n.tunOpen(nsFd, o.name ?? '', bits, o.vnetHdrSize ?? -1, o.owner ?? -1, o.group ?? -1);
}

let loaded: NativeBinding | undefined;

/** Loads the addon on first use (prebuilds/ first, then build/ — node-gyp-build's order). */
export function native(): NativeBinding {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    loaded = load(join(__dirname, '..', '..'));
  }
  return loaded;
}
