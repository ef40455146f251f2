// SPDX-License-Identifier: MIT
// Run by test/kernel/stress.test.ts beside veth-burst.ts: the machine's own floor for that test's
// event-loop delay. This process only runs its timers while iproute2 (`ip -batch`, in a network
// namespace of its own) does the same kernel work from another process: 1,000 veth pairs with one
// queue per end, in one group, up; a listing; one group delete. On a 2-core VM the kernel's side
// (the sender inside sendmsg, kworkers bringing links up and tearing them down) delays a process
// that does nothing at all by several milliseconds now and then. Prints JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startedHistogram } from '../helpers/event-loop';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vnetkit-floor-'));
  const batch = join(dir, 'batch');
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    lines.push(`link add a${i} numtxqueues 1 numrxqueues 1 group 4242 up type veth peer name b${i} numtxqueues 1 numrxqueues 1`);
  }
  lines.push('link show', 'link del group 4242');
  writeFileSync(batch, lines.join('\n') + '\n');
  // The spawn blocks this thread a while: `ip` starts its work 20 ms later, once the histogram
  // is ticking.
  const child = spawn('sh', ['-c', 'sleep 0.02 && exec unshare --net -- ip -batch "$0"', batch], { stdio: ['ignore', 'ignore', 'inherit'] });
  const h = await startedHistogram();
  const t0 = performance.now();
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ms = performance.now() - t0;
  h.disable();
  rmSync(dir, { recursive: true, force: true });
  const q = (p: number) => h.percentile(p) / 1e6;
  process.stdout.write(JSON.stringify({ status, ms, p50: q(50), p99: q(99), max: h.max / 1e6 }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
