// SPDX-License-Identifier: MIT
// The request state machine of one netlink socket, free of I/O (it is handed bytes and a send
// function), so it is unit-tested without a kernel.
//
// - Every request gets a sequence number; replies are matched by it. Changes always ask for an ACK.
// - Many requests may be in flight at once (pipelining); dumps run one at a time per socket because
//   the kernel answers a second concurrent dump with EBUSY.
// - A dump flagged NLM_F_DUMP_INTR (the table changed under it) is retried a bounded number of
//   times, then fails with DumpInterruptedError carrying the last, possibly inconsistent, result.
// - Messages nobody asked for (seq 0, unknown seq) go to the event callback.

import { BatchError, DumpInterruptedError, ExtAck, NetlinkError } from '../errors';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from './constants';
import { ackError, parseDone, parseError } from './extack';
import { NlMsg, parseDatagram, RequestBuilder } from './message';

export interface RequestOptions {
  /** Operation name for errors, e.g. 'RTM_NEWLINK'. */
  op: string;
  /**
   * What the caller asked for, in words, for errors. A function is called only if the request
   * fails: in a burst almost none does, and the strings built for each were kept alive while it
   * was in flight.
   */
  describe?: string | (() => string);
  /** A dump (NLM_F_DUMP): completes on NLMSG_DONE. */
  dump?: boolean;
  /** Dump attempts before DumpInterruptedError (default 5). */
  attempts?: number;
  /** Turns a kernel error into a better one (e.g. a missing link kind into KernelFeatureError). */
  mapError?: (err: NetlinkError) => Error;
}

export interface Reply {
  /** Messages received for the request (for a dump: every part, without the final DONE). */
  messages: NlMsg[];
  /** Ext-ACK text the kernel attached to a successful ACK (iproute2 prints these as "Warning:"). */
  warning?: ExtAck;
}

interface Pending {
  seq: number;
  builder: RequestBuilder;
  opts: RequestOptions;
  messages: NlMsg[];
  interrupted: boolean;
  attempt: number;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

/**
 * A transaction of several messages sent in one datagram (nfnetlink: BATCH_BEGIN, the messages,
 * BATCH_END). Only the last inner message asks for an ACK: the kernel walks the whole batch before
 * answering, queues an error for each message that failed and the ACK last, so by the time that
 * ACK (or its error) arrives every answer of the batch has. An error on the BEGIN marker (a stale
 * generation, ERESTART; a malformed batch) means nothing inside was even tried.
 */
interface PendingBatch {
  seqs: number[]; // begin, messages..., end
  ops: BatchOp[];
  replies: NlMsg[][]; // per inner message: echoes (NLM_F_ECHO)
  errors: { index: number; error: Error }[];
  resolve: (r: NlMsg[][]) => void;
  reject: (e: Error) => void;
}

export interface BatchOp {
  builder: RequestBuilder;
  opts: RequestOptions;
}

export interface MultiplexerOptions {
  /** Requests in flight before further ones wait (bounds memory, not correctness). */
  window?: number;
  onEvent?: (msg: NlMsg) => void;
  onWarning?: (w: ExtAck, op: string) => void;
}

export class Multiplexer {
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Pending[] = []; // over the window
  private readonly dumpQueue: Pending[] = [];
  private dumpActive: Pending | undefined;
  private inFlight = 0;
  private closedWith: Error | undefined;
  private readonly batches = new Map<number, PendingBatch>();
  private readonly window: number;

  constructor(
    private readonly send: (bytes: Uint8Array, seq: number) => void,
    private readonly portId: number,
    private readonly options: MultiplexerOptions = {},
  ) {
    this.window = options.window ?? 4096;
    // A random start makes stale replies from an earlier socket with the same port id unlikely to match.
    this.seq = (Math.random() * 0x7fffffff) >>> 0;
  }

  /** Requests not yet answered (in flight or waiting). */
  get size(): number {
    return this.pending.size + this.waiting.length + this.dumpQueue.length + this.batches.size;
  }

  /**
   * Sends `begin`, `ops` and `end` as one datagram and resolves with each op's echoed messages once
   * the kernel has answered the whole batch; rejects with the BEGIN marker's NetlinkError (ERESTART:
   * the generation changed; nothing was tried) or a BatchError listing every refused message.
   */
  batch(begin: RequestBuilder, ops: readonly BatchOp[], end: RequestBuilder): Promise<NlMsg[][]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (ops.length === 0) return Promise.resolve([]);
    return new Promise<NlMsg[][]>((resolve, reject) => {
      const seqs = [begin, ...ops.map((o) => o.builder), end].map(() => this.nextSeq());
      const b: PendingBatch = { seqs, ops: [...ops], replies: ops.map(() => []), errors: [], resolve, reject };
      begin.flags |= NLM_F_REQUEST;
      end.flags |= NLM_F_REQUEST;
      ops.forEach((o, i) => (o.builder.flags |= NLM_F_REQUEST | (i === ops.length - 1 ? NLM_F_ACK : 0)));
      // Each builder's bytes live in a shared slab until the next request is built: copied out.
      const parts = [begin, ...ops.map((o) => o.builder), end].map((builder, i) => Uint8Array.from(builder.finish(seqs[i]!, this.portId)));
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
      for (const seq of seqs) this.batches.set(seq, b);
      try {
        this.send(bytes, seqs[0]!);
      } catch (e) {
        this.endBatch(b);
        reject(e as Error);
      }
    });
  }

  private endBatch(b: PendingBatch): void {
    for (const seq of b.seqs) this.batches.delete(seq);
  }

  private handleBatchMessage(b: PendingBatch, msg: NlMsg): void {
    // Sequence numbers of a batch are consecutive (unless they wrapped past 0, which is skipped).
    const guess = (msg.seq - b.seqs[0]!) >>> 0;
    const index = (b.seqs[guess] === msg.seq ? guess : b.seqs.indexOf(msg.seq)) - 1; // -1: the BEGIN marker
    if (msg.type !== NLMSG_ERROR) {
      if (index >= 0 && index < b.ops.length) b.replies[index]!.push(msg);
      return;
    }
    const { error, extack } = parseError(msg);
    const op = index >= 0 && index < b.ops.length ? b.ops[index]! : undefined;
    if (error !== 0) {
      const err = op
        ? this.makeError({ seq: msg.seq, builder: op.builder, opts: op.opts } as Pending, error, extack)
        : ackError(error, extack, { op: 'NFNL_MSG_BATCH_BEGIN', describe: `a batch of ${b.ops.length} messages`, seq: msg.seq, spans: () => [] });
      if (!op) {
        this.endBatch(b);
        return b.reject(err);
      }
      b.errors.push({ index, error: err });
    }
    if (index !== b.ops.length - 1) return;
    this.endBatch(b);
    if (b.errors.length) b.reject(new BatchError(b.errors, b.ops.length));
    else b.resolve(b.replies);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1; // seq 0 is what the kernel uses for notifications
    return this.seq;
  }

  request(builder: RequestBuilder, opts: RequestOptions): Promise<Reply> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    builder.flags |= NLM_F_REQUEST | (opts.dump ? NLM_F_DUMP : NLM_F_ACK);
    return new Promise<Reply>((resolve, reject) => {
      const p: Pending = { seq: 0, builder, opts, messages: [], interrupted: false, attempt: 1, resolve, reject };
      if (opts.dump) {
        this.dumpQueue.push(p);
        this.pumpDumps();
      } else if (this.inFlight >= this.window) {
        this.waiting.push(p);
      } else {
        this.transmit(p);
      }
    });
  }

  private transmit(p: Pending): void {
    p.seq = this.nextSeq();
    p.messages = [];
    p.interrupted = false;
    this.pending.set(p.seq, p);
    this.inFlight++;
    try {
      this.send(p.builder.finish(p.seq, this.portId), p.seq);
    } catch (e) {
      this.finish(p);
      p.reject(e as Error);
    }
  }

  private pumpDumps(): void {
    if (this.dumpActive || this.dumpQueue.length === 0) return;
    this.dumpActive = this.dumpQueue.shift()!;
    this.transmit(this.dumpActive);
  }

  private finish(p: Pending): void {
    if (this.pending.get(p.seq) !== p) return;
    this.pending.delete(p.seq);
    this.inFlight--;
    if (p === this.dumpActive) {
      this.dumpActive = undefined;
      this.pumpDumps();
    }
    while (this.waiting.length && this.inFlight < this.window) this.transmit(this.waiting.shift()!);
  }

  /** Feeds one received datagram. */
  handleDatagram(buf: Uint8Array): void {
    for (const msg of parseDatagram(buf)) this.handleMessage(msg);
  }

  private handleMessage(msg: NlMsg): void {
    const b = msg.seq !== 0 && this.batches.size ? this.batches.get(msg.seq) : undefined;
    if (b && (msg.pid === 0 || msg.pid === this.portId)) return this.handleBatchMessage(b, msg);
    const p = msg.seq !== 0 ? this.pending.get(msg.seq) : undefined;
    if (!p || (msg.pid !== 0 && msg.pid !== this.portId)) {
      if (msg.type !== NLMSG_NOOP) this.options.onEvent?.(msg);
      return;
    }
    if (msg.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    if (msg.type === NLMSG_ERROR) {
      const { error, extack } = parseError(msg);
      this.finish(p);
      if (error === 0) {
        if (extack?.message) this.options.onWarning?.(extack, p.opts.op);
        p.resolve(extack?.message ? { messages: p.messages, warning: extack } : { messages: p.messages });
      } else {
        p.reject(this.makeError(p, error, extack));
      }
      return;
    }
    if (msg.type === NLMSG_DONE && p.opts.dump) {
      const { error, extack } = parseDone(msg);
      this.finish(p);
      if (error < 0) return p.reject(this.makeError(p, error, extack));
      if (p.interrupted) {
        const attempts = p.opts.attempts ?? 5;
        if (p.attempt >= attempts) return p.reject(new DumpInterruptedError<NlMsg>(p.opts.op, p.attempt, p.messages));
        p.attempt++;
        this.dumpQueue.unshift(p);
        this.pumpDumps();
        return;
      }
      return p.resolve({ messages: p.messages });
    }
    if (msg.type === NLMSG_OVERRUN) return;
    p.messages.push(msg);
  }

  private makeError(p: Pending, error: number, extack?: ExtAck): Error {
    const err = ackError(error, extack, { op: p.opts.op, describe: p.opts.describe, seq: p.seq, spans: () => p.builder.spans() });
    return p.opts.mapError ? p.opts.mapError(err) : err;
  }

  /** A send for `seq` failed in the I/O thread (sendmsg errno). */
  failRequest(seq: number, err: Error): void {
    const b = this.batches.get(seq);
    if (b) {
      this.endBatch(b);
      return b.reject(err);
    }
    const p = this.pending.get(seq);
    if (!p) return;
    this.finish(p);
    p.reject(err);
  }

  /** Fails everything pending (socket closed or replies lost) and refuses new requests if final. */
  failAll(err: Error, final: boolean): void {
    if (final) this.closedWith = err;
    const batches = new Set(this.batches.values());
    this.batches.clear();
    for (const b of batches) b.reject(err);
    const all = [...this.pending.values(), ...this.waiting, ...this.dumpQueue];
    this.pending.clear();
    this.waiting.length = 0;
    this.dumpQueue.length = 0;
    this.dumpActive = undefined;
    this.inFlight = 0;
    for (const p of all) p.reject(err);
  }
}
