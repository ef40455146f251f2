// SPDX-License-Identifier: MIT
// Run by test/kernel/reliability.test.ts in a plain Node child, since a defect here aborts the whole
// process: worker threads doing every kind of namespace work (creates, names, dumps, veth pairs
// across namespaces, moves, nsids, tun/tap, sockets) are terminated at random moments, ROUNDS
// times. Prints JSON with the rounds survived and the fd count before and after.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Link, Namespace, TunTap, VethPair } from '../../src';

const DUMP_NS = 'wt-dump';
const fdCount = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The library's sources and this file transpiled once into a temporary tree: a worker that loaded
 * TypeScript itself to transpile them would spend a second per round on it.
 */
function transpiledCopy(): string {
  const ts = require('typescript') as typeof import('typescript');
  const root = join(__dirname, '../..');
  // Inside the package, so that the copy resolves node-gyp-build from its node_modules.
  const out = join(root, 'node_modules', '.cache', `vnetkit-worker-terminate-${process.pid}`);
  const files = [__filename];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
    }
  };
  walk(join(root, 'src'));
  for (const file of files) {
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    mkdirSync(dirname(target), { recursive: true });
    // The addon is found from the package root (node-gyp-build): point the copy back at the real one.
    writeFileSync(target, outputText.replace(/__dirname, '\.\.', '\.\.'/g, JSON.stringify(root)));
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 100);
  const copy = transpiledCopy();
  const workerFile = join(copy, 'test/workloads/worker-terminate.js');
  // A namespace with a few hundred links: dumping it keeps a worker busy inside the addon's
  // delivery callbacks, which is where a termination used to abort the process.
  // Names a terminated worker could not delete, from this run or a crashed one, go first and last.
  const sweep = async () => Namespace.deleteMany((await Namespace.list()).map((n) => n.name).filter((n) => n === DUMP_NS || /^wt\d/.test(n)));
  await sweep();
  const dump = await Namespace.create(DUMP_NS);
  await Promise.all(Array.from({ length: 150 }, (_, i) => VethPair.create({ name: `d${i}`, namespace: dump, peer: { name: `e${i}` } })));
  await Namespace.current().links(); // the main thread's own I/O thread and sockets are open too
  const before = fdCount();
  let survived = 0;
  for (let i = 0; i < rounds; i++) {
    const worker = new Worker(workerFile, { workerData: { seed: i } });
    // A worker failing before it is working is a broken test bed, not a survived round.
    const working = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    working.catch(() => undefined);
    // Most rounds terminate a worker in the middle of its work; every fourth one at any moment,
    // loading the library included.
    if (i % 4 !== 0) await working;
    await sleep(Math.random() * 30);
    await worker.terminate();
    survived++;
  }
  await Namespace.current().links(); // the main thread's copy still works
  await sleep(200); // sockets of terminated workers are closed by their I/O threads' teardown
  const after = fdCount();
  await dump.delete();
  await sweep();
  rmSync(copy, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ rounds, survived, before, after }));
}

async function work(): Promise<void> {
  const forever = (f: () => Promise<unknown>) =>
    void (async () => {
      for (;;) await f().catch(() => undefined);
    })();
  const tag = `${workerData.seed}x${Math.floor(Math.random() * 1e6)}`.slice(0, 9);
  let n = 0;
  // Two dumps of a few hundred links always in flight on one handle: the worker spends most of
  // its time inside the addon's delivery callbacks, where a termination used to abort the process.
  const dump = await Namespace.open(DUMP_NS);
  forever(() => dump.links());
  forever(() => dump.links());
  forever(async () => {
    const ns = await Namespace.create();
    await ns.links();
    await ns.setId('auto');
    await ns.close();
  });
  forever(async () => {
    const ns = await Namespace.create(`wt${tag}${n++ % 4}`);
    await ns.delete();
  });
  forever(async () => {
    const [a, b] = await Promise.all([Namespace.create(), Namespace.create()]);
    const pair = await VethPair.create({ name: 'x0', namespace: a, peer: { name: 'y0', namespace: b }, up: true });
    await pair.local.moveTo(b, { name: 'x1' });
    const tap = await TunTap.create({ mode: 'tap', namespace: a });
    tap.write(Buffer.alloc(60));
    await tap.close();
    const server = await a.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.address() as { port: number };
    const socket = await a.connect({ port, host: '127.0.0.1' });
    socket.destroy();
    server.close();
    await Promise.all([a.close(), b.close()]);
  });
  forever(() => Link.list());
  parentPort!.postMessage('working');
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  void work();
}
