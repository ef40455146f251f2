// SPDX-License-Identifier: MIT
// Run by test/kernel/reliability.test.ts under `prlimit --nofile`: the namespace thread starts while
// the process has no fd to spare (a real EMFILE, no fault injection), then fds are freed again.
// Prints JSON: how the create made at the limit failed, and how the ones made afterwards fared.
import { closeSync, openSync } from 'node:fs';
import { Namespace } from '../../src';
import { native } from '../../src/native/binding';

const outcome = (p: Promise<Namespace>) => p.then(async (ns) => (await ns.close(), 'ok'), (e: NodeJS.ErrnoException) => e.code ?? String(e));

async function main(): Promise<void> {
  await Namespace.current().links(); // the I/O thread and its fds exist before the limit is reached
  await native().debugStrandRunner(); // retires the namespace thread: the next job starts a new one
  const held: number[] = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch {
    // at the limit
  }
  const atLimit = await outcome(Namespace.create());
  for (const fd of held) closeSync(fd);
  const after = [];
  for (let i = 0; i < 3; i++) after.push(await outcome(Namespace.create()));
  process.stdout.write(JSON.stringify({ atLimit, after, held: held.length }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
