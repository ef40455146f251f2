'use strict';
// Issue 16: 1,000 containers' NAT in one namespace, added then removed. Each container has a
// masquerade rule and a port map, which vnetkit writes as 4 rules (DNAT in prerouting and
// nat-output, hairpin and localhost masquerades, as CNI portmap): 5 rules per container, 5,000
// in all. The same 5,000 rules are written by:
//   - vnetkit, 2,000 calls (1,000 masquerade + 1,000 portMap) issued at once, as a runtime starting
//     many containers does; removed with one fw.remove(rules) per container, all at once;
//   - vnetkit, one fw.apply() of all of them (one owner); removed with apply([]);
//   - `nft -f` of one file (one batch: the floor); removed with `nft -f` of delete-by-handle lines;
//   - `iptables-restore` of one file (iptables-nft here); removed by restoring an empty nat table;
//   - `iptables -t nat -A`/`-D` spawned per rule (what Node programs do today), measured on the
//     first BENCH_NFT_IPT containers and scaled per rule.
// Also: removing one container's 5 rules (fw.remove) with all the others present, and the
// event-loop p99 of the vnetkit runs beside that of an idle process while `nft -f` does the work.
// Medians of BENCH_RUNS runs. Writes bench/results/nft.json.
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Firewall, Namespace } = require('..');
const { execFile$, median, now, saveResults, settle, startedHistogram } = require('./stats');

const N = Number(process.env.BENCH_NFT_N || 1000);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const IPT = Number(process.env.BENCH_NFT_IPT || 40);

const ctr = (i) => ({ subnet: `10.${100 + (i >> 8)}.${i & 255}.0/24`, addr: `10.${100 + (i >> 8)}.${i & 255}.2`, port: 10000 + i, owner: `c${i}` });

/** The nft file of the same 5,000 rules, from vnetkit's own rendering of its recipes. */
function nftFile(rules) {
  const head = [
    'add table inet vnetkit',
    ...[
      ['input', 'filter', 'input', 0],
      ['forward', 'filter', 'forward', 0],
      ['output', 'filter', 'output', 0],
      ['prerouting', 'nat', 'prerouting', -100],
      ['nat-output', 'nat', 'output', -100],
      ['postrouting', 'nat', 'postrouting', 100],
    ].map(([n, t, h, p]) => `add chain inet vnetkit ${n} { type ${t} hook ${h} priority ${p}; policy accept; }`),
  ];
  return [...head, ...rules.map((r) => `add rule inet vnetkit ${r.chain} ${r}`)].join('\n') + '\n';
}

function iptablesLines(i) {
  const c = ctr(i);
  return [
    `-A POSTROUTING -s ${c.subnet} ! -d ${c.subnet} -m comment --comment ${c.owner} -j MASQUERADE`,
    `-A PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport ${c.port} -m comment --comment ${c.owner} -j DNAT --to-destination ${c.addr}:80`,
    `-A OUTPUT -p tcp -m addrtype --dst-type LOCAL -m tcp --dport ${c.port} -m comment --comment ${c.owner} -j DNAT --to-destination ${c.addr}:80`,
    `-A POSTROUTING -s ${c.addr}/32 -d ${c.addr}/32 -p tcp -m tcp --dport 80 -m comment --comment ${c.owner} -j MASQUERADE`,
    `-A POSTROUTING -s 127.0.0.0/8 -d ${c.addr}/32 -p tcp -m tcp --dport 80 -m comment --comment ${c.owner} -j MASQUERADE`,
  ];
}

exports.run = async function run() {
  const name = 'nftbench';
  const res = { N, RUNS, rules: N * 5, vkCalls: [], vkCallsRemove: [], vkApply: [], vkApplyRemove: [], vkRemoveOne: [], vkP99: [], nft: [], nftRemove: [], idleP99: [], iptRestore: [], iptRestoreRemove: [] };
  const tmp = join(tmpdir(), `vnetkit-nft-bench-${process.pid}`);
  for (let r = 0; r < RUNS + 1; r++) {
    const keep = r > 0; // the first run warms up (JIT) and is not kept
    const ns = await Namespace.create(name);
    try {
      const fw = await Firewall.open(ns);
      // vnetkit, 2,000 calls at once.
      await settle();
      let h = await startedHistogram();
      let t = now();
      const made = await Promise.all(
        Array.from({ length: N }, (_, i) => {
          const c = ctr(i);
          return Promise.all([fw.masquerade({ source: c.subnet, owner: c.owner }), fw.portMap({ protocol: 'tcp', hostPort: c.port, to: c.addr, toPort: 80, owner: c.owner })]);
        }),
      );
      const addMs = (now() - t) / 1e3;
      h.disable();
      const addP99 = h.percentile(99) / 1e6;
      const all = made.flatMap(([m, p]) => [m, ...p]);
      if ((await fw.rules()).length !== N * 5) throw new Error('not every rule is there');
      // One container's rules, with every other one present.
      const one = [];
      for (let i = 0; i < 20; i++) {
        const [m, p] = made[i];
        t = now();
        await fw.remove([m, ...p]);
        one.push((now() - t) / 1e3);
      }
      await settle();
      t = now();
      await Promise.all(made.slice(20).map(([m, p]) => fw.remove([m, ...p])));
      const removeMs = (now() - t) / 1e3;
      if ((await fw.rules()).length !== 0) throw new Error('rules left behind');
      // vnetkit, one apply.
      const desired = Array.from({ length: N }, (_, i) => {
        const c = ctr(i);
        return [{ masquerade: { source: c.subnet } }, { portMap: { protocol: 'tcp', hostPort: c.port, to: c.addr, toPort: 80 } }];
      }).flat();
      await settle();
      t = now();
      await fw.apply(desired, { owner: 'bench' });
      const applyMs = (now() - t) / 1e3;
      await settle();
      t = now();
      await fw.apply([], { owner: 'bench' });
      const applyRemoveMs = (now() - t) / 1e3;
      await fw.delete();
      await fw.close();

      // nft -f: the same rules, one batch; the idle process's event loop beside it.
      const file = join(`${tmp}.nft`);
      writeFileSync(file, nftFile(all));
      await settle();
      h = await startedHistogram();
      t = now();
      await execFile$('ip', ['netns', 'exec', name, 'nft', '-f', file]);
      const nftMs = (now() - t) / 1e3;
      h.disable();
      if (keep) res.idleP99.push(h.percentile(99) / 1e6);
      const handles = JSON.parse(execFileSync('ip', ['netns', 'exec', name, 'nft', '-j', '-a', 'list', 'table', 'inet', 'vnetkit'], { encoding: 'utf8', maxBuffer: 1 << 28 }))
        .nftables.filter((o) => o.rule)
        .map((o) => `delete rule inet vnetkit ${o.rule.chain} handle ${o.rule.handle}`);
      if (handles.length !== N * 5) throw new Error(`nft wrote ${handles.length} rules`);
      writeFileSync(file, handles.join('\n') + '\n');
      await settle();
      t = now();
      await execFile$('ip', ['netns', 'exec', name, 'nft', '-f', file]);
      const nftRemoveMs = (now() - t) / 1e3;
      execFileSync('ip', ['netns', 'exec', name, 'nft', 'delete', 'table', 'inet', 'vnetkit']);

      // iptables-restore.
      const ipt = ['*nat', ...Array.from({ length: N }, (_, i) => iptablesLines(i)).flat(), 'COMMIT', ''].join('\n');
      writeFileSync(file, ipt);
      await settle();
      t = now();
      await execFile$('sh', ['-c', `ip netns exec ${name} iptables-restore < ${file}`]);
      const iptMs = (now() - t) / 1e3;
      writeFileSync(file, '*nat\nCOMMIT\n');
      await settle();
      t = now();
      await execFile$('sh', ['-c', `ip netns exec ${name} iptables-restore < ${file}`]);
      const iptRemoveMs = (now() - t) / 1e3;

      if (keep) {
        res.vkCalls.push(addMs);
        res.vkP99.push(addP99);
        res.vkCallsRemove.push(removeMs);
        res.vkRemoveOne.push(median(one));
        res.vkApply.push(applyMs);
        res.vkApplyRemove.push(applyRemoveMs);
        res.nft.push(nftMs);
        res.nftRemove.push(nftRemoveMs);
        res.iptRestore.push(iptMs);
        res.iptRestoreRemove.push(iptRemoveMs);
      }
    } finally {
      await ns.delete();
    }
  }
  // iptables per rule, spawned one after another, on the first IPT containers (5 rules each).
  const ns = await Namespace.create(name);
  let iptAdd;
  let iptDel;
  try {
    const lines = Array.from({ length: IPT }, (_, i) => iptablesLines(i)).flat().map((l) => l.slice(3).split(' '));
    const chainOf = (l) => (l.includes('--dport') && l[0] !== 'POSTROUTING' ? l[0] : 'POSTROUTING');
    await settle();
    let t = now();
    for (const l of lines) await execFile$('ip', ['netns', 'exec', name, 'iptables', '-t', 'nat', '-A', chainOf(l), ...l.slice(1)]);
    iptAdd = (now() - t) / 1e3 / lines.length;
    await settle();
    t = now();
    for (const l of lines) await execFile$('ip', ['netns', 'exec', name, 'iptables', '-t', 'nat', '-D', chainOf(l), ...l.slice(1)]);
    iptDel = (now() - t) / 1e3 / lines.length;
  } finally {
    await ns.delete();
  }
  res.iptPerRuleAddMs = iptAdd;
  res.iptPerRuleDeleteMs = iptDel;
  const m = (k) => median(res[k]);
  const f = (xs) => xs.map((x) => x.toFixed(1)).join(' ');
  const rules = N * 5;
  console.log(`\nnft: NAT of ${N} containers (${rules} rules) added, then removed; medians of ${RUNS} runs`);
  console.log(`  vnetkit, ${2 * N} calls at once              add ${m('vkCalls').toFixed(1).padStart(7)} ms (${(m('vkCalls') / m('nft')).toFixed(2)}x nft -f; runs ${f(res.vkCalls)})`);
  console.log(`    remove, fw.remove() per container, at once  ${m('vkCallsRemove').toFixed(1).padStart(7)} ms (runs ${f(res.vkCallsRemove)})`);
  console.log(`    one container's 5 rules, others present    ${m('vkRemoveOne').toFixed(3).padStart(7)} ms (runs ${res.vkRemoveOne.map((x) => x.toFixed(3)).join(' ')})`);
  console.log(`  vnetkit, one apply()                      add ${m('vkApply').toFixed(1).padStart(7)} ms (${(m('vkApply') / m('nft')).toFixed(2)}x nft -f; runs ${f(res.vkApply)}); apply([]) ${m('vkApplyRemove').toFixed(1)} ms`);
  console.log(`  nft -f (one batch)                        add ${m('nft').toFixed(1).padStart(7)} ms (runs ${f(res.nft)}); delete by handle ${m('nftRemove').toFixed(1)} ms`);
  console.log(`  iptables-restore (iptables-nft)           add ${m('iptRestore').toFixed(1).padStart(7)} ms (runs ${f(res.iptRestore)}); flush ${m('iptRestoreRemove').toFixed(1)} ms`);
  console.log(`  iptables -t nat -A/-D per rule (scaled)   add ${(iptAdd * rules).toFixed(0).padStart(7)} ms, remove ${(iptDel * rules).toFixed(0)} ms (${iptAdd.toFixed(2)} / ${iptDel.toFixed(2)} ms per rule, ${IPT * 5} rules measured)`);
  console.log(`  event-loop p99: vnetkit's ${2 * N} calls ${m('vkP99').toFixed(2)} ms (runs ${f(res.vkP99)}); this process idle beside nft -f ${m('idleP99').toFixed(2)} ms (runs ${f(res.idleP99)})`);
  console.log(`results: ${saveResults('nft', res)}`);
};
