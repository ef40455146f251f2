// SPDX-License-Identifier: MIT
// Making namespaces in bursts. Each make is a few system calls on the namespace thread (unshare,
// open, bind mount, setns home: ~200 us, nearly all kernel time); as a job of its own, each also
// cost a hand-over to that thread and back to the main thread, ~40 us more per namespace. So the
// creates asked for in one run of the event loop (a `Promise.all` over many `Namespace.create`
// calls) go to the namespace thread together, up to NAMESPACES_PER_JOB per job, and each still
// settles on its own, with its own error.

import { native } from '../native/binding';

/**
 * A job holds the namespace thread (and the run directory's lock, for named ones) while it runs:
 * other callers' jobs, and other processes' `ip netns add`, wait behind at most this many creates
 * (~15 ms).
 */
const NAMESPACES_PER_JOB = 64;

interface Wanted {
  dir: string;
  /** '' for an anonymous namespace. */
  path: string;
  resolve: (fd: number) => void;
  reject: (e: unknown) => void;
}

let queue: Wanted[] = [];
const settled = Promise.resolve();

/** Makes a namespace (bound to `path` in `dir` when a path is given); resolves with its fd. */
export function makeNetns(dir: string, path: string | undefined): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // A promise reaction, not queueMicrotask (which Node wraps in an AsyncResource each time).
    if (queue.push({ dir, path: path ?? '', resolve, reject }) === 1) void settled.then(flush);
  });
}

function flush(): void {
  const wanted = queue;
  queue = [];
  const byDir = new Map<string, Wanted[]>();
  for (const w of wanted) {
    const list = byDir.get(w.dir);
    if (list) list.push(w);
    else byDir.set(w.dir, [w]);
  }
  for (const [dir, all] of byDir) {
    for (let i = 0; i < all.length; i += NAMESPACES_PER_JOB) {
      const chunk = all.slice(i, i + NAMESPACES_PER_JOB);
      // Wrapped so that a synchronous throw (no addon, say) rejects these callers too.
      const job = async () => {
        if (chunk.length === 1) {
          const w = chunk[0]!;
          return [await (w.path ? native().createNetns(dir, w.path) : native().createNetns())];
        }
        return native().createNetnsMany(dir, chunk.map((w) => w.path));
      };
      job().then(
        (results) => results.forEach((r, k) => (typeof r === 'number' ? chunk[k]!.resolve(r) : chunk[k]!.reject(r))),
        (e) => chunk.forEach((w) => w.reject(e)),
      );
    }
  }
}
