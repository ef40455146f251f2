// SPDX-License-Identifier: MIT
// Decoding a dump of thousands of objects takes tens of milliseconds; done in one go it would
// stall the event loop that long. This maps in slices of a few milliseconds, yielding between them.

const SLICE_MS = 1;

/** Maps `items` through `fn` (dropping undefined results), yielding to the event loop every ~1 ms. */
export async function mapInSlices<T, R>(items: readonly T[], fn: (item: T) => R | undefined): Promise<R[]> {
  const out: R[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    const r = fn(items[i]!);
    if (r !== undefined) out.push(r);
    if ((i & 15) === 15 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}

// The gate of yieldIfBusy. Waiters are released in arrival order, one at a time: each release runs
// that operation's synchronous part (validation, encoding, the send) before the next is let go,
// so the clock read before each release measures the work really done in this slice.
// Hops are promise reactions on one settled promise, not queueMicrotask: Node wraps every
// queueMicrotask callback in an AsyncResource, which was most of the cost of 1,000 calls made in
// one loop (and garbage the GC then had to scavenge).
const settled = Promise.resolve();
let sliceStart = -1;
const waiters: ((() => void) | undefined)[] = [];
let head = 0; // waiters before it were released (compacted as the queue drains or grows)
let releasing = false;

function endSlice(): void {
  if (!releasing) sliceStart = -1;
}

function startSlice(): void {
  sliceStart = performance.now();
  setImmediate(endSlice); // the slice ends with this macrotask
  releaseNext();
}

function beginReleasing(): void {
  if (sliceStart < 0) startSlice();
  else releaseNext();
}

function releaseNext(): void {
  if (head === waiters.length) {
    waiters.length = 0;
    head = 0;
    releasing = false;
    return;
  }
  if (performance.now() - sliceStart >= SLICE_MS) {
    setImmediate(startSlice);
    return;
  }
  const resolve = waiters[head]!;
  waiters[head++] = undefined; // not kept alive until the queue drains
  if (head >= 1024 && head * 2 >= waiters.length) {
    // A queue that never drains (callers arriving as fast as they leave) must not grow forever:
    // dropping the released front is amortized O(1) per waiter.
    waiters.splice(0, head);
    head = 0;
  }
  resolve();
  // Queued after the waiter's continuation, so it runs once that continuation has reached its
  // next await.
  void settled.then(releaseNext);
}

/**
 * Cooperative yielding for bursts: `Promise.all` over 1,000 creates runs every call, and then every
 * continuation, in one macrotask. Each operation awaits this before its real work. Every caller
 * joins one queue, and callers are let through in order, one at a time, each after the previous
 * one's work has run, until ~1 ms of the macrotask is spent; the rest go on after a setImmediate,
 * so timers and I/O get their turn between slices. (Letting callers through as they arrive would
 * let a whole burst through at once: all of them arrive before any of them has done its work.)
 * Each waiter costs O(1): an earlier version re-checked every waiter on every slice, O(n^2)
 * promises and immediates for a burst of n (two thirds of the main thread's time at n = 1,000).
 * Releasing starts after a microtask hop, i.e. when the work is about to happen, not when the
 * first call was made.
 */
export function yieldIfBusy(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiters.push(resolve);
    if (!releasing) {
      releasing = true;
      void settled.then(beginReleasing);
    }
  });
}
