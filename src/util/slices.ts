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

let sliceStart = -1;

/**
 * Cooperative yielding for bursts: `Promise.all` over 1,000 creates runs every call, and then every
 * continuation, in one macrotask. Each operation awaits this before its real work; once the current
 * macrotask has run for ~1 ms, the rest wait for setImmediate, so timers and I/O get their turn
 * between slices. The check runs after a microtask hop, i.e. when the work is about to happen, not
 * when the call was made.
 */
export async function yieldIfBusy(): Promise<void> {
  await null;
  const now = performance.now();
  if (sliceStart < 0) {
    sliceStart = now;
    setImmediate(() => (sliceStart = -1));
  } else if (now - sliceStart >= SLICE_MS) {
    await new Promise((resolve) => setImmediate(resolve));
    await yieldIfBusy();
  }
}
