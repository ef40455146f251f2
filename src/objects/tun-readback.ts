// SPDX-License-Identifier: MIT
// Reading back, over rtnetlink, the Links of tun/tap devices TunTap.createPersistent() just made.
//
// Each device is made by a job on the namespace thread whose last step, closing the fd, waits for an
// expedited RCU grace period while holding rtnl_lock. A readback (RTM_GETLINK) sent meanwhile from
// the I/O thread needs rtnl_lock too, so in a burst the two threads took the lock in alternation,
// each handover a sleep and a wake-up. So the readbacks of calls made together wait until those
// calls' devices are all made, then share one dump of the namespace's tun devices (the kernel skips
// the others): 1,000 taps, medians of 11 alternating runs in one process, 168 -> 120 ms. A few
// readbacks, or a dump that fails, use one RTM_GETLINK each.

import { LinkNotFoundError } from '../errors';
import { Link } from './link';
import { Namespace } from './namespace';

/** Fewer readbacks than this go one by one: a dump lists every tun device of the namespace. */
const DUMP_FROM = 16;
/**
 * Should new creates keep coming (so that the count never drops to zero), readbacks are served
 * after waiting this long at most. A count would not do: a burst of 1,000 reached a cap of 512
 * midway, and the extra dump cost more than the one-by-one readbacks saved.
 */
const WAIT_AT_MOST_MS = 1000;

/** Creates settled per turn of the event loop once their devices are read back. */
const SETTLED_PER_SLICE = 64;

interface Waiter {
  name: string;
  resolve: (l: Link) => void;
  reject: (e: unknown) => void;
}

export class TunReadbacks {
  /** Creates begun in this namespace whose device is not made (or the attempt failed) yet. */
  private creating = 0;
  private waiting: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly ns: Namespace) {}

  /** Call as a create begins, before its first await; then `made()` or `failed()` exactly once. */
  static begin(ns: Namespace): TunReadbacks {
    let s = states.get(ns);
    if (!s) states.set(ns, (s = new TunReadbacks(ns)));
    s.creating++;
    return s;
  }

  /** The device `name` was made: resolves with its Link once read. */
  made(name: string): Promise<Link> {
    const p = new Promise<Link>((resolve, reject) => this.waiting.push({ name, resolve, reject }));
    this.timer ??= setTimeout(() => this.read(), WAIT_AT_MOST_MS);
    this.creating--;
    this.maybeRead();
    return p;
  }

  /** The create ended without a device. */
  failed(): void {
    this.creating--;
    this.maybeRead();
  }

  private maybeRead(): void {
    if (this.creating > 0) return;
    if (states.get(this.ns) === this) states.delete(this.ns);
    this.read();
  }

  private read(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (!batch.length) return;
    void (batch.length >= DUMP_FROM ? this.readByDump(batch) : this.readEach(batch));
  }

  private async readEach(batch: Waiter[]): Promise<void> {
    await Promise.all(batch.map((w) => Link.get(w.name, this.ns).then(w.resolve, w.reject)));
  }

  private async readByDump(batch: Waiter[]): Promise<void> {
    let links: Link[];
    try {
      links = await Link.list(this.ns, { kind: 'tun' });
    } catch {
      return this.readEach(batch);
    }
    const byName = new Map(links.map((l) => [l.name, l]));
    // Settled a few at a time: each settles a create whose continuation runs right after, and a
    // thousand of those in one go held the event loop for 5-20 ms.
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      const l = byName.get(w.name);
      if (l) w.resolve(l);
      else w.reject(new LinkNotFoundError(w.name, this.ns.label));
      if (i % SETTLED_PER_SLICE === SETTLED_PER_SLICE - 1) await new Promise((r) => setImmediate(r));
    }
  }
}

const states = new Map<Namespace, TunReadbacks>();
