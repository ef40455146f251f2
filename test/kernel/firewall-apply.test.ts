// SPDX-License-Identifier: MIT
// Firewall.apply: one owner's rules made exactly a desired set in one atomic batch, with nft as the
// oracle; idempotent, safe against concurrent writers (the generation check), all or nothing.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DesiredRule, Firewall, Namespace } from '../../src';
import { describeKernel, uniqueName } from '../helpers/sandbox';

const nft = (ns: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args], { encoding: 'utf8' });

const SET_A: DesiredRule[] = [
  { masquerade: { source: '10.1.0.0/24' } },
  { portMap: { protocol: 'tcp', hostPort: 8080, to: '10.1.0.2', toPort: 80 } },
  { rule: { chain: 'forward', protocol: 'tcp', destinationPort: 22, verdict: 'drop', counter: true } },
];

describeKernel('Firewall.apply', () => {
  jest.setTimeout(60_000);
  let name: string;
  let ns: Namespace;
  let fw: Firewall;
  beforeEach(async () => {
    name = uniqueName('ap');
    ns = await Namespace.create(name);
    fw = await Firewall.open(ns);
  });
  afterEach(async () => {
    await fw.close();
    await ns.delete();
  });

  const ownerRules = async (owner: string) => (await fw.rules()).filter((r) => r.owner === owner).map((r) => `${r.chain}: ${r}`);

  test('applies a set, then applying it again writes nothing (same handles, counters kept)', async () => {
    expect(await fw.apply(SET_A, { owner: 'A' })).toEqual({ added: 6, removed: 0, attempts: 1 });
    const first = await fw.rules();
    expect(first.map((r) => r.owner)).toEqual(Array(6).fill('A'));
    const listed = nft(name, 'list', 'table', 'inet', 'vnetkit');
    expect(await fw.apply(SET_A, { owner: 'A' })).toEqual({ added: 0, removed: 0, attempts: 1 });
    expect((await fw.rules()).map((r) => r.handle)).toEqual(first.map((r) => r.handle));
    expect(nft(name, 'list', 'table', 'inet', 'vnetkit')).toBe(listed);
  });

  test('a changed set replaces only what differs, and other owners keep their rules', async () => {
    await fw.masquerade({ source: '10.9.0.0/24', owner: 'other' });
    await fw.apply(SET_A, { owner: 'A' });
    const kept = (await fw.rules()).find((r) => String(r).startsWith('ip saddr 10.1.0.0/24'))!;
    const r = await fw.apply([SET_A[0]!, { portMap: { protocol: 'tcp', hostPort: 8443, to: '10.1.0.2', toPort: 443 } }], { owner: 'A' });
    expect(r).toEqual({ added: 4, removed: 5, attempts: 1 });
    expect((await fw.rules()).find((x) => x.handle === kept.handle)).toBeDefined();
    expect(await ownerRules('other')).toEqual(['postrouting: ip saddr 10.9.0.0/24 ip daddr != 10.9.0.0/24 masquerade comment "other"']);
    expect((await ownerRules('A')).filter((x) => x.includes('8443')).length).toBe(2);
    expect(await fw.apply([], { owner: 'A' })).toEqual({ added: 0, removed: 5, attempts: 1 });
    expect(await fw.owners()).toEqual(['other']);
  });

  test('order within a chain is kept: a rule that must come first is not left behind a drop', async () => {
    const drop22: DesiredRule = { rule: { chain: 'input', protocol: 'tcp', destinationPort: 22, verdict: 'drop' } };
    const accept5: DesiredRule = { rule: { chain: 'input', source: '10.0.0.5', verdict: 'accept' } };
    await fw.apply([drop22], { owner: 'A' });
    await fw.apply([accept5, drop22], { owner: 'A' });
    expect(await ownerRules('A')).toEqual(['input: ip saddr 10.0.0.5 accept comment "A"', 'input: tcp dport 22 drop comment "A"']);
    expect(await fw.apply([accept5, drop22], { owner: 'A' })).toEqual({ added: 0, removed: 0, attempts: 1 });
  });

  test('a writer committing between the read and the batch: ERESTART, worked out again, converges', async () => {
    let raced = 0;
    fw.beforeCommit = async () => {
      if (raced++ === 0) nft(name, 'add', 'table', 'ip', 'racer'); // another writer commits now
    };
    const r = await fw.apply(SET_A, { owner: 'A' });
    expect(r).toEqual({ added: 6, removed: 0, attempts: 2 });
    expect((await ownerRules('A')).length).toBe(6);
    expect(nft(name, 'list', 'tables')).toContain('table ip racer');
  });

  test('two processes applying different owners at the same time each keep their own rules', async () => {
    const child = promisify(execFile)(process.execPath, ['-r', join(__dirname, '../helpers/ts-register.js'), join(__dirname, '../workloads/nft-apply-owner.ts'), name], { encoding: 'utf8' });
    for (let i = 0; i < 20; i++) await fw.apply(i % 2 === 0 ? SET_A : SET_A.slice(0, 1), { owner: 'A' });
    await fw.apply(SET_A, { owner: 'A' });
    await child;
    expect((await ownerRules('A')).length).toBe(6);
    expect(await ownerRules('B')).toEqual([
      'postrouting: ip saddr 10.2.0.0/24 ip daddr != 10.2.0.0/24 masquerade comment "B"',
      'prerouting: meta nfproto ipv4 fib daddr type local udp dport 5353 dnat ip to 10.2.0.5:5353 comment "B"',
      'nat-output: meta nfproto ipv4 fib daddr type local udp dport 5353 dnat ip to 10.2.0.5:5353 comment "B"',
      'postrouting: ip saddr 10.2.0.5 ip daddr 10.2.0.5 udp dport 5353 masquerade comment "B"',
      'postrouting: ip saddr 127.0.0.0/8 ip daddr 10.2.0.5 udp dport 5353 masquerade comment "B"',
    ].sort((a, b) => order(a) - order(b)));
  });

  test('one bad rule leaves the rule set exactly as it was', async () => {
    await fw.apply(SET_A, { owner: 'A' });
    const before = nft(name, '-a', 'list', 'ruleset');
    await expect(fw.apply([...SET_A.slice(1), { rule: { chain: 'input', verdict: { jump: 'missing' } } }], { owner: 'A' })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(nft(name, '-a', 'list', 'ruleset')).toBe(before);
  });
});

// fw.rules() lists chain by chain in the table's chain order, rules in order within each.
const CHAINS = ['input', 'forward', 'output', 'prerouting', 'nat-output', 'postrouting'];
const order = (line: string) => CHAINS.indexOf(line.split(':')[0]!);
