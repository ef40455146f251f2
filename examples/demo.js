#!/usr/bin/env node
// The quick-start demo (`npm run demo`, as root): two fresh namespaces joined by a veth pair, with
// addresses and a default route; a TCP echo and a UDP datagram cross between them from this one
// Node process; the topology and round-trip times are printed; everything is removed. Both
// namespaces are anonymous, so nothing is ever created in the machine's own network namespace.
'use strict';
const { Namespace, VethPair } = require('..');

const ms = (t) => (Number(process.hrtime.bigint() - t) / 1e6).toFixed(2);

async function main() {
  const t0 = process.hrtime.bigint();
  const red = await Namespace.create(); // lo is brought up too
  const blue = await Namespace.create();
  try {
    // One request creates both ends, each directly in its namespace.
    const { local: redEth, peer: blueEth } = await VethPair.create({
      name: 'eth0',
      namespace: red,
      peer: { name: 'eth0', namespace: blue },
      up: true,
    });
    await redEth.addAddress('10.0.0.1/24');
    await blueEth.addAddress('10.0.0.2/24');
    await blue.addRoute({ to: 'default', via: '10.0.0.1' });
    console.log(`built in ${ms(t0)} ms\n`);

    for (const [label, ns] of [['red', red], ['blue', blue]]) {
      console.log(`${label} (${ns.label}, inode ${ns.inode})`);
      const links = await ns.links();
      const names = new Map(links.map((l) => [l.index, l.name]));
      for (const link of links) {
        const addrs = (await link.addresses()).map((a) => a.cidr).join(' ');
        console.log(`  ${String(link.index).padStart(2)}: ${link.name.padEnd(5)} ${(link.kind ?? '-').padEnd(5)} ${link.operState.padEnd(8)} ${link.mac ?? ''}  ${addrs}`);
      }
      for (const r of await ns.routes()) console.log(`  route ${r.to}${r.via ? ` via ${r.via}` : ''} dev ${names.get(r.dev)}`);
    }
    const peer = await redEth.peer();
    console.log(`\nred eth0 (index ${redEth.index}) <-> blue eth0 (index ${peer.link.index}, link-netnsid ${redEth.linkNetnsid})\n`);

    // TCP echo: server in blue, client in red, sockets made inside each namespace.
    const server = await blue.listen({ port: 7000, host: '10.0.0.2' }, (s) => s.pipe(s));
    const socket = await red.connect({ port: 7000, host: '10.0.0.2' });
    const rtts = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const echoed = new Promise((r) => socket.once('data', (d) => r(d.toString())));
      socket.write(`ping ${i}`);
      if ((await echoed) !== `ping ${i}`) throw new Error('TCP echo mismatch');
      rtts.push(Number(process.hrtime.bigint() - t) / 1e3);
    }
    socket.destroy();
    await new Promise((r) => server.close(r));
    console.log(`TCP echo red 10.0.0.1 -> blue 10.0.0.2:7000: ${rtts.map((x) => `${x.toFixed(0)} µs`).join(', ')}`);

    // UDP datagram the other way.
    const rx = await red.createUdpSocket({ address: '10.0.0.1', port: 9000 });
    const tx = await blue.createUdpSocket({ address: '10.0.0.2' });
    const t = process.hrtime.bigint();
    const got = new Promise((r) => rx.once('message', (m, info) => r(`${m} from ${info.address}:${info.port}`)));
    tx.send('hello over udp', 9000, '10.0.0.1');
    console.log(`UDP blue -> red: "${await got}" in ${ms(t)} ms`);
    rx.close();
    tx.close();
  } finally {
    // Closing the last handles lets the kernel remove both namespaces and the veth pair.
    await red.close();
    await blue.close();
  }
  console.log(`\nremoved everything; total ${ms(t0)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
