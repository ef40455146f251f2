// SPDX-License-Identifier: MIT
// One queue (fd) of a tun/tap device as a Duplex in object mode, plus batch reading and writing for
// programs that move packets by the thousand: the native packet thread hands packets over in
// batches anyway, and the stream's per-packet bookkeeping is most of what JS spends per packet.

import { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { errnoCode, errnoMessage, InvalidArgumentError, TunTapError, TunTapFailure } from '../errors';
import { native, PACKET_CLOSED, PACKET_DRAIN, PACKET_ERROR, PACKETS } from '../native/binding';

/** Bytes queued on the native side before write() and writeBatch() report backpressure. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Largest packet accepted: a 64 KiB GSO frame plus virtio-net header and packet information. */
const MAX_PACKET = 65536 + 64;

export type NativeFailure = { code?: string; errno?: number; syscall?: string; path?: string; text?: string };

export function failure(reason: TunTapFailure, e: NativeFailure, op: string, device: string | undefined, hint: string): TunTapError {
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

export const closedError = (device: string, syscall: string) => new TunTapError(`"${device}" queue is closed`, { errno: -9, syscall, device, reason: 'system' });

function checkPacket(chunk: unknown): void {
  if (!(chunk instanceof Uint8Array) || chunk.length === 0 || chunk.length > MAX_PACKET) {
    const shown = chunk instanceof Uint8Array ? `${chunk.constructor.name}(${chunk.length})` : typeof chunk;
    throw new InvalidArgumentError('packet', shown, `a packet is a non-empty Uint8Array of at most ${MAX_PACKET} bytes`);
  }
}

/** Packets of one native batch ([u32 length, little-endian][bytes]...), sliced without copying. */
function frames(batch: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  for (let off = 0; off + 4 <= batch.length; ) {
    const len = batch.readUInt32LE(off);
    packets.push(batch.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return packets;
}

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
  // The packet-thread port, made on first read or write: a queue only created, configured and
  // closed (persistent taps made in bulk) then costs no hand-over to the packet thread and back.
  private port: number | undefined;
  private reading = false;
  private drainCb: ((e?: Error | null) => void) | undefined;
  private outbox: [Uint8Array | Uint8Array[], (e?: Error | null) => void] | undefined;
  private onDetached: ((fd: number) => void) | undefined;
  private released: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private batchReader: BatchReader | undefined;
  private batchDrain = false;
  private streamWaiting = false;  // _read() was called and nothing pushed since

  /** @internal */
  constructor(
    /** The /dev/net/tun fd (the native packet thread owns it from the first read or write until close). */
    protected readonly fd: number,
    /** Device name, for messages. */
    readonly device: string,
  ) {
    super({ objectMode: true, readableHighWaterMark: 1024, writableHighWaterMark: 1024 });
  }

  /** The fd's port on the packet thread, which takes the fd over on first use. */
  private attachedPort(): number {
    this.port ??= native().packetAttach(this.fd, (kind, a, b, c, code, text) => this.onEvent(kind, a, b, c, code as string, text as string));
    return this.port;
  }

  private onEvent(kind: number, a: unknown, b: unknown, c: unknown, code?: string, text?: string): void {
    if (kind === PACKETS) return this.onPackets(a as Buffer);
    if (kind === PACKET_DRAIN) {
      if (this.batchDrain) (this.batchDrain = false), this.emit('drain');
      return this.drainCb?.(), (this.drainCb = undefined);
    }
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

  private onPackets(batch: Buffer): void {
    if (this.readableEnded || this.destroyed || this.closing) return;
    if (this.batchReader) return this.batchReader.add(frames(batch));
    let more = true;
    this.streamWaiting = false;
    for (const p of frames(batch)) more = this.push(p);
    if (!more) this.setReading(false);
  }

  private setReading(on: boolean): void {
    if (this.reading === on || this.released) return;
    this.reading = on;
    native().packetRead(this.attachedPort(), on);
  }

  override _read(): void {
    this.streamWaiting = true;
    if (!this.batchReader) this.setReading(true);
  }

  /** Queues one packet; false means wait for 'drain' (stream semantics). Throws for a non-packet. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override write(chunk: any, encoding?: any, cb?: any): boolean {
    checkPacket(chunk);
    return super.write(chunk, encoding, cb);
  }

  /**
   * Queues several packets with one call into the native side, after everything written before
   * (by `write()` too). Returns false once more than 256 KiB wait natively; 'drain' follows when
   * they have gone out. Throws for a non-packet (nothing is queued then) or a closed queue.
   *
   * Equivalent to: `write()` on the fd for each packet
   */
  writeBatch(packets: readonly Uint8Array[]): boolean {
    if (!Array.isArray(packets)) throw new InvalidArgumentError('packets', typeof packets, 'expected an array of packets');
    packets.forEach(checkPacket);
    if (this.destroyed || this.writableEnded || this.released) throw closedError(this.device, 'write');
    // Stream writes still waiting in the Writable go first: this batch joins their queue.
    if (this.writableLength > 0 || this.outbox) return packets.reduce((_, p) => this.write(p), true);
    if (packets.length === 0) return true;
    const queued = native().packetWrite(this.attachedPort(), packets as Uint8Array[]);
    if (queued < 0) throw closedError(this.device, 'write');
    if (queued <= WRITE_HIGH_WATER) return true;
    this.batchDrain = true;
    return false;
  }

  /**
   * Reads packets a batch at a time: each value is an array of the packets the packet thread read
   * in one turn (up to 64), which costs JS a fraction of what iterating the stream packet by
   * packet does. Reading pauses while 1024 packets wait unread, as for the stream. Leaving the
   * loop early (`break`, `return`, an exception) stops reading but, unlike the stream's own
   * iterator, keeps the queue open; `close()` ends the loop, a failure (a deleted device) throws
   * from it. Packets the stream had buffered come first. Not while the stream itself is being read
   * ('data' listeners, `pipe`, `for await` over the queue), nor two at once.
   *
   * Equivalent to: `read()` on the fd until it would block, once per wake-up
   */
  batches(): AsyncIterableIterator<Buffer[]> {
    if (this.batchReader) throw new Error(`"${this.device}" queue: batches() is already being iterated`);
    if (this.readableFlowing) throw new Error(`"${this.device}" queue: batches() while the stream is flowing ('data' listener or pipe); pause() it first`);
    const buffered: Buffer[] = [];
    while (this.readableLength > 0) buffered.push(this.read() as Buffer);
    // A failure reaches the loop as a rejection; the stream's 'error' event must not also go unheard.
    const heard = () => undefined;
    this.on('error', heard);
    const reader = new BatchReader(this.readableHighWaterMark, (on) => this.setReading(on), (err) => {
      this.batchReader = undefined;
      if (!err) this.off('error', heard);
      // A read the stream asked for before the batches took over is still owed to it.
      if (!err && this.streamWaiting) this.setReading(true);
    });
    this.batchReader = reader;
    if (buffered.length) reader.add(buffered);
    if (this.destroyed || this.closing || this.readableEnded) reader.end(this.errored);
    else this.setReading(true);
    return reader;
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
    const packets = this.outbox[0]; // indexed: destructuring runs the array iterator per batch
    const cb = this.outbox[1];
    this.outbox = undefined;
    const queued = native().packetWrite(this.attachedPort(), packets);
    if (queued < 0) cb(closedError(this.device, 'write'));
    else if (queued > WRITE_HIGH_WATER) this.drainCb = cb;
    else cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.batchReader?.end(err);
    this.release().then(() => cb(err), (e: Error) => cb(err ?? e));
  }

  /** Gives the fd back from the packet thread and closes it on the namespace runner (may take ~20 ms). */
  private release(): Promise<void> {
    if (this.released) return this.released;
    this.flush();
    const port = this.port;
    this.reading = false;
    if (port === undefined) {
      // Never used for packets: the fd is still ours, nothing to take back from the packet thread.
      this.released = native().tunClose(this.fd);
      return this.released;
    }
    this.released = new Promise<number>((resolve) => {
      this.onDetached = resolve;
      native().packetClose(port);
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
      this.batchReader?.end(null);
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

/** The async iterator batches() returns: a queue of batches with the stream's backpressure rule. */
class BatchReader implements AsyncIterableIterator<Buffer[]> {
  private readonly queue: Buffer[][] = [];
  private queued = 0;
  private waiter: { resolve: (r: IteratorResult<Buffer[]>) => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  private error: Error | null = null;

  constructor(
    private readonly highWater: number,
    private readonly setReading: (on: boolean) => void,
    private readonly onDone: (err: Error | null) => void,
  ) {}

  add(batch: Buffer[]): void {
    if (this.ended) return;
    if (this.waiter) return this.take()?.resolve({ value: batch, done: false });
    this.queue.push(batch);
    if ((this.queued += batch.length) >= this.highWater) this.setReading(false);
  }

  /** No more batches after those queued; `err` is thrown once they have been taken. */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.onDone(err);
    if (this.waiter && err) this.take()!.reject(err);
    else this.take()?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Buffer[]>> {
    const batch = this.queue.shift();
    if (batch) {
      if ((this.queued -= batch.length) < this.highWater && !this.ended && this.queued + batch.length >= this.highWater) this.setReading(true);
      return Promise.resolve({ value: batch, done: false });
    }
    if (this.ended) {
      const err = this.error;
      this.error = null;
      return err ? Promise.reject(err) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<Buffer[]>> {
    if (!this.ended) this.setReading(false);
    this.queue.length = 0;
    this.end(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this { return this; }

  private take() {
    const w = this.waiter;
    this.waiter = undefined;
    return w;
  }
}
