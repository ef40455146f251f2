// SPDX-License-Identifier: MIT
// Run by test/kernel/firewall-apply.test.ts as a second process: applies owner B's rules to the
// table of the named namespace argv[2], ROUNDS times, alternating two sets, ending on the first.
import { Firewall, Namespace } from '../../src';

async function main(): Promise<void> {
  const ns = await Namespace.open(process.argv[2]!);
  const fw = await Firewall.open(ns);
  const a = [{ masquerade: { source: '10.2.0.0/24' } }, { portMap: { protocol: 'udp' as const, hostPort: 5353, to: '10.2.0.5' } }];
  const b = [{ masquerade: { source: '10.2.0.0/24' } }];
  let attempts = 0;
  for (let i = 0; i < 20; i++) attempts += (await fw.apply(i % 2 === 0 ? b : a, { owner: 'B' })).attempts;
  attempts += (await fw.apply(a, { owner: 'B' })).attempts;
  await fw.close();
  await ns.close();
  process.stdout.write(JSON.stringify({ attempts }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
