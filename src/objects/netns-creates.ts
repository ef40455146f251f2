// SPDX-License-Identifier: MIT
// Making namespaces in bursts. Each make is a few system calls on the namespace thread (unshare,
// open, bind mount, setns home: ~200 us, nearly all kernel time); as a job of its own, each also
// cost a hand-over to that thread and back to the main thread, ~40 us more per namespace. So the
// creates asked for in one run of the event loop (a `Promise.all` over many `Namespace.create`
// calls) go to the namespace thread together, up to NAMESPACES_PER_JOB per job, and each still
// settles on its own, with its own error.
//
// Bringing lo up is done by the same job, from inside each new namespace while the thread is there
// anyway: done afterwards, it was a netlink socket opened in the namespace by another job, attached
// to the I/O thread and kept open with the handle (a second fd per namespace), and two requests.
// The kernel's own part (lo's addresses and routes) stays: 1,000 creates with lo up went from
// 527 to 499 ms, against ~430 ms without lo.

import { native } from '../native/binding';
import { NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from '../netlink/constants';
import { ackError, parseError } from '../netlink/extack';
import { parseDatagram, requestBytes } from '../netlink/message';
import { setUpRequest } from '../rtnl/link-requests';

/**
 * A job holds the namespace thread (and the run directory's lock, for named ones) while it runs:
 * other callers' jobs, and other processes' `ip netns add`, wait behind at most this many creates
 * (~15 ms).
 */
const NAMESPACES_PER_JOB = 64;

const LO_UP_SEQ = 1;

export interface MadeNetns {
  fd: number;
  /**
   * With loopbackUp: undefined once lo is up, else why it is not: a NetlinkError (the kernel
   * refused) or 'not-tried' (the job could not ask; the caller brings lo up itself).
   */
  loopback?: Error | 'not-tried';
}

interface Wanted {
  dir: string;
  /** '' for an anonymous namespace. */
  path: string;
  loopbackUp: boolean;
  resolve: (made: MadeNetns) => void;
  reject: (e: unknown) => void;
}

let queue: Wanted[] = [];
const settled = Promise.resolve();
let loUpRequest: Uint8Array | undefined;

/** Makes a namespace (bound to `path` in `dir` when a path is given), lo brought up if asked. */
export function makeNetns(dir: string, path: string | undefined, loopbackUp: boolean): Promise<MadeNetns> {
  return new Promise<MadeNetns>((resolve, reject) => {
    // A promise reaction, not queueMicrotask (which Node wraps in an AsyncResource each time).
    if (queue.push({ dir, path: path ?? '', loopbackUp, resolve, reject }) === 1) void settled.then(flush);
  });
}

/** What the kernel said to the lo-up request of one namespace. */
export function loopbackResult(replies: Uint8Array | undefined): Error | 'not-tried' | undefined {
  for (const m of replies ? parseDatagram(replies) : []) {
    if (m.seq !== LO_UP_SEQ || m.type !== NLMSG_ERROR) continue;
    const { error, extack } = parseError(m);
    return error === 0 ? undefined : ackError(error, extack, { op: 'RTM_NEWLINK', describe: 'set up "lo" in the new namespace', seq: m.seq });
  }
  return 'not-tried';
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
      const loUp = chunk.some((w) => w.loopbackUp)
        ? (loUpRequest ??= requestBytes(setUpRequest('lo', true, NLM_F_REQUEST | NLM_F_ACK), LO_UP_SEQ))
        : undefined;
      const paths = chunk.map((w) => w.path);
      // Wrapped so that a synchronous throw (no addon, say) rejects these callers too.
      const job = async () => (loUp ? native().createNetnsMany(dir, paths, loUp, chunk.map((w) => w.loopbackUp)) : native().createNetnsMany(dir, paths));
      job().then(
        (results) =>
          results.forEach((r, k) => {
            const w = chunk[k]!;
            // Not `instanceof Error`: the addon's errors come from the main realm, and a caller in
            // another one (a vm context, Jest's) has another Error.
            if (!('fd' in r)) return w.reject(r);
            const made: MadeNetns = { fd: r.fd };
            if (w.loopbackUp) {
              // Every namespace of the batch must settle (or its fd and name would be left):
              // replies that cannot be read make lo the caller's to bring up.
              let lo: MadeNetns['loopback'];
              try {
                lo = loopbackResult(r.replies);
              } catch {
                lo = 'not-tried';
              }
              if (lo) made.loopback = lo;
            }
            w.resolve(made);
          }),
        (e) => chunk.forEach((w) => w.reject(e)),
      );
    }
  }
}
