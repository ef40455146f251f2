'use strict';
// Issue 17: set 10 sysctl keys in each of 100 named namespaces. vnetkit: one ns.sysctl.set() of the
// 10 keys per namespace, all namespaces at once (one namespace-thread job each), with its event-loop
// delay p99; beside it, the event-loop p99 of this process idling while a C program
// (bench/floor/sysctl_floor.c) does the same kernel work from another process; and `ip netns exec
// NS sysctl -w key=value` spawned per key, one after another, measured on the first
// BENCH_SYSCTL_IP_NS namespaces and scaled per key. Each run flips every key between two values,
// so every write changes something. Medians of BENCH_RUNS runs. Writes bench/results/sysctl.json.
const { execFileSync } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { Namespace } = require('..');
const { execFile$, median, now, saveResults, settle, startedHistogram } = require('./stats');

const N = Number(process.env.BENCH_SYSCTL_N || 100);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const IP_NS = Number(process.env.BENCH_SYSCTL_IP_NS || 10);
const IP_RUNS = Number(process.env.BENCH_SYSCTL_IP_RUNS || 3);

// Ten keys a new namespace has (it holds only lo), with the two values each run alternates between.
// The forwarding keys take rtnl_lock in the kernel's handler, as a container runtime's would.
const KEYS = [
  ['net.ipv4.ip_forward', 1, 0],
  ['net.ipv4.conf.all.arp_notify', 1, 0],
  ['net.ipv4.conf.default.arp_notify', 1, 0],
  ['net.ipv4.conf.all.route_localnet', 1, 0],
  ['net.ipv6.conf.all.accept_ra', 0, 1],
  ['net.ipv6.conf.default.accept_ra', 0, 1],
  ['net.ipv6.conf.all.accept_dad', 1, 0],
  ['net.ipv6.conf.default.accept_dad', 0, 1],
  ['net.ipv6.conf.all.forwarding', 1, 0],
  ['net.ipv4.ip_unprivileged_port_start', 0, 1024],
];
const values = (run) => Object.fromEntries(KEYS.map(([k, a, b]) => [k, run % 2 ? b : a]));

function floorBinary() {
  const out = join(__dirname, 'out');
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'sysctl_floor');
  execFileSync('cc', ['-O2', '-o', bin, join(__dirname, 'floor', 'sysctl_floor.c')]);
  return bin;
}

/** An event-loop delay histogram that has ticked once (see bench/bulk.js). */
exports.run = async function run() {
  const floor = floorBinary();
  const names = Array.from({ length: N }, (_, i) => `sy${i}`);
  const nss = await Promise.all(names.map((n) => Namespace.create(n)));
  try {
    // One untimed run: the figures are a long-lived process's (JIT-compiled code).
    await Promise.all(nss.map((ns) => ns.sysctl.set(values(1))));
    const vk = [];
    const vkP99 = [];
    const fl = [];
    const idleP99 = [];
    for (let r = 0; r < RUNS; r++) {
      await settle();
      const h = await startedHistogram();
      const t = now();
      await Promise.all(nss.map((ns) => ns.sysctl.set(values(r))));
      vk.push((now() - t) / 1e3);
      h.disable();
      vkP99.push(h.percentile(99) / 1e6);
      await settle();
      // The same writes from a C program in another process; this process only runs its timers.
      const spec = KEYS.map(([k, a, b]) => `/proc/sys/${k.replaceAll('.', '/')}=${r % 2 ? a : b}`).join(',');
      const child = execFile$('sh', ['-c', 'sleep 0.02 && exec "$0" "$@"', floor, spec, ...names]);
      const hf = await startedHistogram();
      try {
        fl.push(JSON.parse((await child).stdout).ms);
      } finally {
        hf.disable();
        idleP99.push(hf.percentile(99) / 1e6);
      }
    }
    // Check the last vnetkit run with the oracle in one namespace.
    const last = values(RUNS - 1);
    const got = execFileSync('ip', ['netns', 'exec', names[N - 1], 'sysctl', '-n', ...Object.keys(last)], { encoding: 'utf8' }).trim().split('\n');
    // (the C floor ran after it and wrote the other values)
    const want = Object.values(values(RUNS)).map(String);
    if (got.join(',') !== want.join(',')) throw new Error(`oracle mismatch: ${got} vs ${want}`);

    const ipPerKey = [];
    for (let r = 0; r < IP_RUNS; r++) {
      await settle();
      const v = values(r);
      const t = now();
      for (const n of names.slice(0, IP_NS)) {
        for (const [k, x] of Object.entries(v)) await execFile$('ip', ['netns', 'exec', n, 'sysctl', '-w', `${k}=${x}`]);
      }
      ipPerKey.push((now() - t) / 1e3 / (IP_NS * KEYS.length));
    }
    const vkMs = median(vk);
    const ipMs = median(ipPerKey) * N * KEYS.length;
    const row = {
      N,
      keys: KEYS.length,
      RUNS,
      vnetkitMs: vkMs,
      vnetkitRunsMs: vk,
      vnetkitEventLoopP99Ms: median(vkP99),
      vnetkitEventLoopP99sMs: vkP99,
      floorMs: median(fl),
      floorRunsMs: fl,
      idleBesideFloorP99Ms: median(idleP99),
      idleBesideFloorP99sMs: idleP99,
      ipNamespacesMeasured: IP_NS,
      ipRuns: IP_RUNS,
      ipPerKeyMs: median(ipPerKey),
      ipPerKeyRunsMs: ipPerKey,
      ipScaledMs: ipMs,
    };
    const f = (xs) => xs.map((x) => x.toFixed(1)).join(' ');
    console.log(`\nsysctl: ${KEYS.length} keys in each of ${N} namespaces (median of ${RUNS} runs; iproute2: ${IP_NS} namespaces x ${IP_RUNS} runs, scaled per key)`);
    console.log(`  vnetkit, one set() per namespace, all at once   ${vkMs.toFixed(1).padStart(8)} ms  (runs: ${f(vk)})  ${(ipMs / vkMs).toFixed(0)}x vs ip`);
    console.log(`    event-loop p99 ${median(vkP99).toFixed(2)} ms (runs: ${f(vkP99)}); an idle process beside the C floor: ${median(idleP99).toFixed(2)} ms (runs: ${f(idleP99)})`);
    console.log(`  C floor (setns + open/write/close per key)       ${median(fl).toFixed(1).padStart(8)} ms  (runs: ${f(fl)})`);
    console.log(`  ip netns exec NS sysctl -w, spawned per key      ${ipMs.toFixed(0).padStart(8)} ms  (${(median(ipPerKey)).toFixed(2)} ms per key; runs: ${ipPerKey.map((x) => x.toFixed(2)).join(' ')})`);
    console.log(`results: ${saveResults('sysctl', row)}`);
  } finally {
    await Namespace.deleteMany(nss);
  }
};
