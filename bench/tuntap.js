'use strict';
// Issue 6: packets per second through a TUN fd, vnetkit vs a C loop, and create+delete of
// persistent taps, vnetkit vs spawning `ip tuntap`.
//
// Throughput: the tun has 10.66.0.1/24; the loop writes ICMP echo requests from 10.66.0.2 to it and
// reads the kernel's echo replies back from the same fd, keeping WINDOW requests in flight (one
// new request per reply). The same loop in C (bench/tun_loop.c, compiled here with `cc -O2`) runs
// on the same device, alternating with vnetkit; medians of RUNS runs of SECONDS each. vnetkit runs
// twice per C run, in turn first: reading with batches() and answering with writeBatch() (what a
// program moving many packets would use), and as a stream (`for await`, one write() per packet).
const { execFileSync, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { availableParallelism, tmpdir } = require('node:os');
const { join } = require('node:path');
const { Link, TunTap } = require('..');
const { ip, median, now, saveResults } = require('./stats');

const RUNS = Number(process.env.BENCH_RUNS || 7);
const SECONDS = Number(process.env.BENCH_TUN_SECONDS || 1);
const WINDOW = Number(process.env.BENCH_TUN_WINDOW || 64);
const TAPS = Number(process.env.BENCH_TAPS || 100);
const DEV = 'vkbench0';
const PEER = '10.66.0.2';
const LOCAL = '10.66.0.1';

function csum(b) {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

/** An IPv4 ICMP echo request of `len` bytes in all (the same packet tun_loop.c builds). */
function echoRequest(len) {
  const p = Buffer.alloc(len);
  p[0] = 0x45;
  p.writeUInt16BE(len, 2);
  p[8] = 64;
  p[9] = 1;
  Buffer.from(PEER.split('.').map(Number)).copy(p, 12);
  Buffer.from(LOCAL.split('.').map(Number)).copy(p, 16);
  p.writeUInt16BE(csum(p.subarray(0, 20)), 10);
  p[20] = 8;
  p.writeUInt16BE(0x1234, 24);
  p.writeUInt16BE(csum(p.subarray(20)), 22);
  return p;
}

/**
 * CPU time the hypervisor took from this VM so far (the steal column of /proc/stat, in ms). vnetkit
 * needs two vCPUs running at once (JS and the packet thread), the C loop one, so steal costs vnetkit
 * more: the figures are printed with the steal during each side's runs.
 */
const stealMs = () => 10 * Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8] || 0);

/** `fn()`'s result and the steal during it, as a share of all vCPUs' time. */
function withSteal(fn) {
  const s = stealMs();
  const t = now();
  const r = fn();
  const share = () => (stealMs() - s) / ((now() - t) / 1e3) / availableParallelism();
  return r instanceof Promise ? r.then((v) => [v, share()]) : [r, share()];
}

const isEchoReply = (p) => p.length > 20 && p[0] >> 4 === 4 && p[9] === 1 && p[20] === 0;

/** One vnetkit run, `api` 'batches' or 'stream': replies per second over SECONDS. */
async function vnetkitRun(len, seconds = SECONDS, api = 'batches') {
  const tun = await TunTap.open(DEV, { mode: 'tun' });
  const pkt = echoRequest(len);
  const fill = () => (api === 'stream' ? Array(WINDOW).fill(pkt).forEach((p) => tun.write(p)) : tun.writeBatch(Array(WINDOW).fill(pkt)));
  fill();
  let replies = 0;
  let seen = -1;
  // Should the kernel drop a packet, refill the window instead of waiting forever (as tun_loop.c does).
  const watchdog = setInterval(() => {
    if (seen === replies) fill();
    seen = replies;
  }, 200);
  const start = now();
  const end = start + seconds * 1e6;
  if (api === 'stream') {
    for await (const p of tun) {
      if (!isEchoReply(p)) continue;
      replies++;
      if ((replies & 255) === 0 && now() >= end) break; // break destroys the queue (fd closed; the device persists)
      tun.write(pkt);
    }
  } else {
    for await (const batch of tun.batches()) {
      const answers = [];
      for (const p of batch) if (isEchoReply(p)) answers.push(pkt);
      replies += answers.length;
      tun.writeBatch(answers);
      if (now() >= end) break;
    }
  }
  clearInterval(watchdog);
  await tun.close();
  return replies / ((now() - start) / 1e6);
}

function cRun(bin, len) {
  const out = execFileSync(bin, [DEV, String(len), String(WINDOW), String(SECONDS), PEER, LOCAL], { encoding: 'utf8' });
  return Number(out.trim());
}

async function throughput() {
  const bin = join(tmpdir(), `vnetkit-tun_loop-${process.pid}`);
  const cc = spawnSync('cc', ['-O2', '-o', bin, join(__dirname, 'tun_loop.c')], { stdio: 'inherit' });
  const haveC = cc.status === 0;
  if (!haveC) console.log('  (no C compiler: the C loop is skipped)');
  execFileSync('ip', ['tuntap', 'add', 'dev', DEV, 'mode', 'tun']);
  execFileSync('ip', ['addr', 'add', `${LOCAL}/24`, 'dev', DEV]);
  execFileSync('ip', ['link', 'set', DEV, 'up']);
  // IPv6 autoconfiguration packets would only add noise to the loop.
  spawnSync('sysctl', ['-qw', `net.ipv6.conf.${DEV}.disable_ipv6=1`]);
  const rows = [];
  try {
    for (const len of [64, 1400]) {
      const vk = [];
      const st = [];
      const c = [];
      const steal = { vnetkit: [], c: [] };
      await vnetkitRun(len, 0.3); // warm-up: JIT, first allocations
      await vnetkitRun(len, 0.3, 'stream');
      for (let r = 0; r < RUNS; r++) {
        if (haveC) {
          const [pps, s] = withSteal(() => cRun(bin, len));
          c.push(pps), steal.c.push(s);
        }
        for (const api of r % 2 ? ['stream', 'batches'] : ['batches', 'stream']) {
          const [pps, s] = await withSteal(() => vnetkitRun(len, SECONDS, api));
          if (api === 'stream') st.push(pps);
          else vk.push(pps), steal.vnetkit.push(s);
        }
      }
      // Runs alternate, so each pair saw the same machine; the median of the pairs' ratios is the
      // figure least disturbed by other load on a shared VM.
      const ratio = (xs) => (haveC ? median(xs.map((v, i) => v / c[i])) : undefined);
      rows.push({ len, vnetkit: median(vk), stream: median(st), c: haveC ? median(c) : undefined, ratio: ratio(vk), streamRatio: ratio(st), samples: { vnetkit: vk, stream: st, c }, steal });
    }
  } finally {
    execFileSync('ip', ['link', 'del', DEV]);
    spawnSync('rm', ['-f', bin]);
  }
  console.log(`\nICMP echo through a TUN fd (write request, read reply), ${WINDOW} in flight, median of ${RUNS} runs of ${SECONDS}s`);
  const pps = (x) => `${Math.round(x).toLocaleString('en').padStart(9)} pps`;
  const vs = (v, ratio, c) => (c ? ` = ${((100 * v) / c).toFixed(0)}% of C (median of per-run ratios ${(100 * ratio).toFixed(0)}%)` : '');
  for (const r of rows) {
    console.log(`  ${String(r.len).padStart(5)} B  C loop             ${r.c ? pps(r.c) : '        -'}`);
    console.log(`           vnetkit batches()  ${pps(r.vnetkit)}${vs(r.vnetkit, r.ratio, r.c)}`);
    console.log(`           vnetkit stream     ${pps(r.stream)}${vs(r.stream, r.streamRatio, r.c)}`);
  }
  const pct = (xs) => `${(100 * median(xs)).toFixed(1)}%`;
  const steal = rows.map((r) => `${r.len} B: vnetkit ${pct(r.steal.vnetkit)}${r.c ? `, C ${pct(r.steal.c)}` : ''}`).join('; ');
  console.log(`  hypervisor steal during the runs (median share of the vCPUs' time): ${steal}`);
  return rows;
}

async function taps() {
  const names = Array.from({ length: TAPS }, (_, i) => `vkt${i}`);
  const timed = async (fn) => {
    const t = now();
    await fn();
    return (now() - t) / 1e3;
  };
  const rows = [];
  const pair = async (label, create, del) => {
    const c = await timed(create);
    const d = await timed(del);
    rows.push({ label, create: c, delete: d, total: c + d });
  };
  await pair(
    'vnetkit, one at a time: create+close / open+delete',
    async () => { for (const name of names) await (await TunTap.create({ name, mode: 'tap', persist: true })).close(); },
    async () => { for (const name of names) await (await TunTap.open(name, { mode: 'tap' })).delete(); },
  );
  await pair(
    'vnetkit, all at once: create+close / Link.deleteMany',
    () => Promise.all(names.map(async (name) => (await TunTap.create({ name, mode: 'tap', persist: true })).close())),
    async () => Link.deleteMany(await Promise.all(names.map((n) => Link.get(n)))),
  );
  await pair(
    'ip tuntap add / ip tuntap del, spawned per device',
    async () => { for (const name of names) await ip('tuntap', 'add', 'dev', name, 'mode', 'tap'); },
    async () => { for (const name of names) await ip('tuntap', 'del', 'dev', name, 'mode', 'tap'); },
  );
  console.log(`\ncreate + delete of ${TAPS} persistent taps (ms)`);
  console.log(`  ${''.padEnd(54)} ${'create'.padStart(7)} ${'delete'.padStart(7)} ${'total'.padStart(7)}`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(54)} ${r.create.toFixed(0).padStart(7)} ${r.delete.toFixed(0).padStart(7)} ${r.total.toFixed(0).padStart(7)}`);
  }
  return rows;
}

exports.run = async function run() {
  const pps = await throughput();
  const tapResults = await taps();
  saveResults('tuntap', { RUNS, SECONDS, WINDOW, TAPS, pps, taps: tapResults });
};

if (require.main === module) exports.run().catch((e) => { console.error(e); process.exit(1); });
