// SPDX-License-Identifier: MIT
// A netlink socket bound to one network namespace, driven by the native I/O thread.
//
// The socket is opened on the namespace thread (so it belongs to the namespace asked for) and then
// handed to the I/O thread, which does every sendmsg/recvmsg. This object keeps the process alive
// (ioRef) only while it has requests pending or a subscription open.

import { ClosedError, errnoCode, ExtAck, NetlinkError } from '../errors';
import { IO_CLOSED, IO_DATA, IO_ERROR, IoEventBatch } from '../native/binding';
import { NETLINK_ROUTE } from './constants';
import { NlMsg, RequestBuilder } from './message';
import { BatchOp, Multiplexer, Reply, RequestOptions } from './multiplexer';
import { transport, Transport } from './transport';

const connections = new Map<number, Connection>();
// Sockets whose close the I/O thread has not confirmed yet. Their fd number may already belong to a
// new socket, but every event of the old one precedes its IO_CLOSED in the stream, so events for an
// fd go to the closing connection until that IO_CLOSED arrives.
const closingConnections = new Map<number, Connection>();
let client = 0; // our id with the native I/O thread, registered on first use
let clientOf: Transport | undefined; // the transport that id belongs to
const resolved = Promise.resolve();

// Events are handled a few at a time: each reply resolves a promise whose continuation (decoding a
// link, say) runs right after, so a batch of hundreds handled in one go would stall the event loop
// for tens of milliseconds. Between slices, setImmediate lets timers and I/O run. Order is kept.
const EVENTS_PER_SLICE = 8;
const backlog: IoEventBatch[] = [];
let backlogPos = 0;
let drainScheduled = false;

function dispatch(batch: IoEventBatch): void {
  backlog.push(batch);
  if (!drainScheduled) drain();
}

function drain(): void {
  drainScheduled = false;
  let handled = 0;
  while (backlog.length) {
    const batch = backlog[0]!;
    while (backlogPos + 3 < batch.length) {
      handleEvent(batch, backlogPos);
      backlogPos += 4;
      if (++handled === EVENTS_PER_SLICE && (backlogPos + 3 < batch.length || backlog.length > 1)) {
        drainScheduled = true;
        setImmediate(drain);
        return;
      }
    }
    backlog.shift();
    backlogPos = 0;
  }
}

function handleEvent(batch: IoEventBatch, i: number): void {
  const fd = batch[i] as number;
  const kind = batch[i + 1] as number;
  const conn = closingConnections.get(fd) ?? connections.get(fd);
  if (!conn) return;
  if (kind === IO_DATA) conn.onData(batch[i + 2] as Uint8Array);
  else if (kind === IO_ERROR) {
    const [errno, syscall] = batch[i + 2] as [number, string];
    conn.onIoError(errno, syscall, batch[i + 3] as number);
  } else if (kind === IO_CLOSED) conn.onClosed();
}

export interface ConnectionOptions {
  /** Namespace fd to open the socket in; -1 for the process's own. */
  nsFd?: number;
  protocol?: number;
  /** Multicast groups (event sockets). */
  groups?: number[];
  rcvbuf?: number;
  /** Send buffer (SO_SNDBUFFORCE as root): a batch goes out as one datagram, which must fit in it. */
  sndbuf?: number;
  /** Human name of the namespace for error messages. */
  label?: string;
  onEvent?: (msg: NlMsg) => void;
  onWarning?: (w: ExtAck, op: string) => void;
}

export class Connection {
  readonly fd: number;
  readonly portId: number;
  readonly label: string;
  private readonly mux: Multiplexer;
  private refed = false;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private subscribed = false;
  private awaitingClose = false;
  // Requests made in one run of microtasks go to the I/O thread together (see queueSend).
  private outgoing: Uint8Array[] = [];
  private outgoingTokens: number[] = [];

  private constructor(fd: number, portId: number, opts: ConnectionOptions, private readonly io: Transport) {
    this.fd = fd;
    this.portId = portId;
    this.label = opts.label ?? 'this namespace';
    const muxOpts: ConstructorParameters<typeof Multiplexer>[2] = {};
    if (opts.onEvent) muxOpts.onEvent = opts.onEvent;
    if (opts.onWarning) muxOpts.onWarning = opts.onWarning;
    this.mux = new Multiplexer((bytes, seq) => this.queueSend(bytes, seq), portId, muxOpts);
  }

  /** Opens a socket in the given namespace (on the namespace thread) and attaches it to the I/O thread. */
  static async open(opts: ConnectionOptions = {}): Promise<Connection> {
    const n = transport();
    if (!client || clientOf !== n) {
      client = n.ioStart(dispatch);
      clientOf = n;
    }
    const sockOpts: Parameters<typeof n.openNetlink>[1] = { protocol: opts.protocol ?? NETLINK_ROUTE };
    if (opts.groups) sockOpts.groups = opts.groups;
    if (opts.rcvbuf) sockOpts.rcvbuf = opts.rcvbuf;
    if (opts.sndbuf) sockOpts.sndbuf = opts.sndbuf;
    const s = await n.openNetlink(opts.nsFd ?? -1, sockOpts);
    const conn = new Connection(s.fd, s.portId, opts, n);
    connections.set(s.fd, conn);
    n.ioAttach(s.fd, client);
    if (opts.groups?.length) conn.subscribe(true);
    return conn;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Sends a request and resolves with the kernel's reply messages (or rejects with NetlinkError). */
  request(builder: RequestBuilder, opts: RequestOptions): Promise<Reply> {
    if (this.closing) return Promise.reject(new ClosedError(`netlink socket of ${this.label}`));
    // No finally() to drop the ref: every way a request settles (a reply in onData, an I/O error,
    // close, a send that throws inside mux.request) already ends in updateRef(). A finally per
    // request was two more promises and a closure for each of a burst's thousand requests.
    const p = this.mux.request(builder, opts);
    this.updateRef();
    return p;
  }

  /** Sends a batch (see Multiplexer.batch) and resolves with each message's echoed replies. */
  batch(begin: RequestBuilder, ops: readonly BatchOp[], end: RequestBuilder): Promise<NlMsg[][]> {
    if (this.closing) return Promise.reject(new ClosedError(`netlink socket of ${this.label}`));
    const p = this.mux.batch(begin, ops, end);
    this.updateRef();
    return p;
  }

  /**
   * Queues a request to send at the end of the current microtasks: a burst's requests, made by
   * continuations one after another, then cross to the native side in one call and one lock, not
   * one each (~5 us per request on this VM). `bytes` stays valid until then: the builder owns them.
   */
  private queueSend(bytes: Uint8Array, seq: number): void {
    this.outgoing.push(bytes);
    this.outgoingTokens.push(seq);
    if (this.outgoing.length === 1) void resolved.then(() => this.flushSends());
  }

  private flushSends(): void {
    const requests = this.outgoing;
    const tokens = this.outgoingTokens;
    this.outgoing = [];
    this.outgoingTokens = [];
    if (this.closing) return; // close() has failed them already, and the fd may be another socket's now
    try {
      this.io.ioSend(this.fd, requests, tokens);
    } catch (e) {
      for (const t of tokens) this.mux.failRequest(t, e as Error);
      this.updateRef();
    }
  }

  /** Keeps the process alive while an event subscription is active. */
  subscribe(on: boolean): void {
    this.subscribed = on;
    this.updateRef();
  }

  private updateRef(): void {
    const want = this.awaitingClose || (!this.closing && (this.mux.size > 0 || this.subscribed));
    if (want === this.refed) return;
    this.refed = want;
    if (want) this.io.ioRef();
    else this.io.ioUnref();
  }

  /** @internal */
  onData(buf: Uint8Array): void {
    try {
      this.mux.handleDatagram(buf);
    } catch (e) {
      // A datagram we cannot even frame: nothing in it can be matched to a request any more.
      this.mux.failAll(e as Error, false);
    }
    this.updateRef();
  }

  /** @internal */
  onIoError(errno: number, syscall: string, token: number): void {
    const err = new NetlinkError({ errno, op: syscall }, syscall === 'recvmsg' && errnoCode(errno) === 'ENOBUFS'
      ? 'The socket receive buffer overflowed and replies were lost'
      : undefined);
    if (syscall === 'sendmsg') this.mux.failRequest(token, err);
    else this.mux.failAll(err, false);
    this.updateRef();
  }

  /** @internal */
  onClosed(): void {
    closingConnections.delete(this.fd);
    this.awaitingClose = false;
    this.updateRef();
    this.resolveClosed?.();
  }

  /** Closes the socket; requests still pending reject with ClosedError. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => (this.resolveClosed = resolve));
      connections.delete(this.fd);
      closingConnections.set(this.fd, this);
      this.awaitingClose = true;
      this.mux.failAll(new ClosedError(`netlink socket of ${this.label}`), true);
      this.updateRef();
      this.io.ioClose(this.fd);
    }
    return this.closing;
  }
}
