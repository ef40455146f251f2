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

export interface NativeBinding {
  /** Registers this copy of the library as an event receiver; starts the I/O thread once. */
  ioStart(onEvents: (batch: IoEventBatch) => void): number;
  ioAttach(fd: number, client: number): void;
  ioSend(fd: number, bytes: Uint8Array, token: number): void;
  ioClose(fd: number): void;
  ioRef(): void;
  ioUnref(): void;
  /** Opens a netlink socket inside the namespace `nsFd` (-1: the runner's home) on the namespace thread. */
  openNetlink(nsFd: number, options: NetlinkSocketOptions): Promise<OpenedNetlinkSocket>;
  runnerStats(): { retired: number };
  /** Tests only: strands the runner thread in a fresh namespace; resolves with that namespace's inode. */
  debugStrandRunner(): Promise<number>;
  /** Creates a network namespace on the namespace thread; resolves with its fd. With dir and path: named. */
  createNetns(dir?: string, path?: string): Promise<number>;
  /** Bind-mounts the namespace `nsFd` at `path` (under `dir`, made a shared mount). */
  persistNetns(nsFd: number, dir: string, path: string): Promise<void>;
  /** Unmounts (MNT_DETACH) and unlinks a namespace name. */
  deleteNetns(path: string): Promise<void>;
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
