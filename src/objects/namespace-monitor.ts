// SPDX-License-Identifier: MIT
// Watches the run directory for namespaces being named and deleted, as `ip netns monitor` does
// (inotify on /run/netns, here through fs.watch on the event loop: no extra thread).

import { EventEmitter, once } from 'node:events';
import { existsSync, FSWatcher, mkdirSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';

export interface NamespaceEvent {
  type: 'add' | 'delete';
  name: string;
}

/** Emits 'add' and 'delete' ({ type, name }) and is an async iterator of the same events. */
export class NamespaceMonitor extends EventEmitter implements AsyncIterable<NamespaceEvent> {
  private readonly watcher: FSWatcher;
  private readonly queue: NamespaceEvent[] = [];
  private closed = false;
  private readonly present = new Set<string>();
  private readonly ghosts = new Set<string>();

  constructor(readonly dir: string) {
    super();
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const name of readdirSync(dir)) this.present.add(name);
    this.watcher = watch(dir, (_type, file) => {
      if (file) this.onRename(file.toString());
    });
    this.watcher.on('error', (e) => this.emit('error', e));
  }

  // Node reports both inotify IN_CREATE and IN_DELETE as "rename"; whether the name exists now, and
  // what we knew of it, tells which. A name created and removed before we look (`ip netns add x;
  // ip netns del x` back to back) shows up absent twice: the first is its add, the second its delete.
  private onRename(name: string): void {
    const exists = existsSync(join(this.dir, name));
    if (this.ghosts.delete(name)) {
      this.push({ type: 'delete', name });
      if (exists) this.onRename(name);
    } else if (this.present.has(name)) {
      if (exists) return;
      this.present.delete(name);
      this.push({ type: 'delete', name });
    } else {
      if (exists) this.present.add(name);
      else this.ghosts.add(name);
      this.push({ type: 'add', name });
    }
  }

  private push(ev: NamespaceEvent): void {
    this.queue.push(ev);
    this.emit(ev.type, ev);
    this.emit('event', ev);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<NamespaceEvent> {
    while (!this.closed) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await once(this, 'event-or-close');
    }
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const r = super.emit(event, ...args);
    if (event === 'event' || event === 'close') super.emit('event-or-close');
    return r;
  }

  /** Stops watching; a pending iteration ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher.close();
    this.emit('close');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
