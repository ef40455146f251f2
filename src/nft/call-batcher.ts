// SPDX-License-Identifier: MIT
// Calls made in one run of microtasks go to the kernel as one nf_tables batch (as link requests
// are pipelined). Each call's messages stand or fall together: if the kernel refuses some, the
// calls they belong to fail with that error and the others, which had nothing wrong, go again.

import { BatchError } from '../errors';
import { NlMsg } from '../netlink/message';
import { BatchOp } from '../netlink/multiplexer';

/** What the batcher sends through: a table that may need its setup sent first. */
export interface BatchTarget {
  /** Messages to send before the calls while `ready` is false (the table and its base chains). */
  setupOps(): BatchOp[];
  /** Whether the setup is known to be in place. */
  ready: boolean;
  send(ops: BatchOp[]): Promise<NlMsg[][]>;
}

/** One call's messages, waiting to go out with the others made in the same run of microtasks. */
interface Queued {
  /** Builds the call's messages (again for a retry: a builder serves one request). */
  build: () => BatchOp[];
  ops: BatchOp[];
  /** Settles the call with the echoes of its messages. */
  done: (echoes: NlMsg[][]) => void;
  reject: (e: Error) => void;
}

export class CallBatcher {
  private queue: Queued[] = [];

  constructor(private readonly target: BatchTarget) {}

  /** Queues one call; resolves with `result` of its messages' echoes once its batch is answered. */
  enqueue<T>(build: () => BatchOp[], result: (echoes: NlMsg[][]) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (echoes: NlMsg[][]) => {
        try {
          resolve(result(echoes));
        } catch (e) {
          reject(e as Error);
        }
      };
      this.queue.push({ build, ops: build(), done, reject });
      if (this.queue.length === 1) void Promise.resolve().then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const t = this.target;
    let queued = this.queue;
    this.queue = [];
    let retried = false; // the refused calls were taken out once
    let remade = false; // the table was made again once
    while (queued.length) {
      const setup = t.ready ? [] : t.setupOps();
      const owners: number[] = []; // message index (after setup) -> call index
      queued.forEach((q, k) => q.ops.forEach(() => owners.push(k)));
      try {
        const replies = (await t.send([...setup, ...queued.flatMap((q) => q.ops)])).slice(setup.length);
        t.ready = true;
        let at = 0;
        for (const q of queued) q.done(replies.slice(at, (at += q.ops.length)));
        return;
      } catch (e) {
        if (!(e instanceof BatchError)) return queued.forEach((q) => q.reject(e as Error));
        if (!setup.length && !remade && e.failures.some((f) => (f.error as { code?: string }).code === 'ENOENT')) {
          // The table or a base chain was deleted by someone else since it was made: make them
          // again, with the same calls.
          t.ready = false;
          remade = true;
          queued = queued.map((q) => ({ ...q, ops: q.build() }));
          continue;
        }
        if (retried) return queued.forEach((q) => q.reject(e));
        retried = true;
        const refused = new Map<number, Error>();
        for (const f of e.failures) {
          const k = owners[f.index - setup.length];
          if (k === undefined) return queued.forEach((q) => q.reject(e)); // the setup itself was refused
          if (!refused.has(k)) refused.set(k, f.error);
        }
        queued.forEach((q, k) => refused.has(k) && q.reject(refused.get(k)!));
        queued = queued.filter((_, k) => !refused.has(k)).map((q) => ({ ...q, ops: q.build() }));
      }
    }
  }
}
