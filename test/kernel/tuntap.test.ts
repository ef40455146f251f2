// SPDX-License-Identifier: MIT
// TUN/TAP on the real kernel, inside the private namespace of test/run.js: packets written into the
// fd are answered by the kernel and read back; `ip -json -d link` is the oracle for device flags.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { ClosedError, InvalidArgumentError, Link, Namespace, TunQueue, TunTap, TunTapError } from '../../src';
import * as binding from '../../src/native/binding';
import { addr, csum, dotted, icmpEcho, ipv4, isIpv4, nextPacket, pseudoSum, udp } from '../helpers/packets';
import { describeKernel, ip, ipJson, uniqueName } from '../helpers/sandbox';

interface TunInfo {
  type: string;
  pi: boolean;
  vnet_hdr: boolean;
  multi_queue: boolean;
  persist: boolean;
  numqueues?: number;
  numdisabled?: number;
  user?: string | number;
  group?: string | number;
}
const tunInfo = (name: string, ns?: string): TunInfo =>
  ipJson<{ linkinfo: { info_kind: string; info_data: TunInfo } }[]>(...(ns ? ['-n', ns] : []), '-d', 'link', 'show', name)[0]!.linkinfo.info_data;
const exists = (name: string) => spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;

function cleanup(...names: string[]) {
  for (const n of names) spawnSync('ip', ['link', 'del', n], { stdio: 'ignore' });
}

/** Runs a snippet using the library in a child node process (TypeScript sources), returns its stdout JSON. */
function child(prefix: string[], code: string): { name?: string; reason?: string; code?: string; message?: string } {
  const root = join(__dirname, '../..');
  const script = `const v = require(${JSON.stringify(join(root, 'src'))});
    (async () => { ${code} })().then(() => console.log('{}'), (e) => console.log(JSON.stringify({ name: e.name, reason: e.reason, code: e.code, message: e.message })));`;
  const out = execFileSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-r', join(root, 'test/helpers/ts-register.js'), '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describeKernel('TunTap', () => {
  jest.setTimeout(30_000);

  test('TUN with a 10.x address: the kernel answers an ICMP echo written into the fd, and a UDP socket answers a datagram', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('tn'), up: true });
    const sock = dgram.createSocket('udp4');
    try {
      expect(tun.mode).toBe('tun');
      expect(tun.link.name).toBe(tun.name);
      expect(tun.link.flags).toEqual(expect.arrayContaining(['UP', 'POINTOPOINT', 'NOARP']));
      ip('addr', 'add', '10.201.0.1/24', 'dev', tun.name);

      const data = Buffer.from('vnetkit tun echo payload');
      tun.write(ipv4('10.201.0.2', '10.201.0.1', 1, icmpEcho(8, 0x4242, 7, data)));
      const reply = await nextPacket(tun, (p) => isIpv4(p, 1) && p[20] === 0);
      expect(dotted(reply.subarray(12, 16))).toBe('10.201.0.1');
      expect(dotted(reply.subarray(16, 20))).toBe('10.201.0.2');
      expect(csum(reply.subarray(0, 20))).toBe(0); // the header checksum verifies
      const icmp = reply.subarray(20);
      expect(csum(icmp)).toBe(0);
      expect(icmp.readUInt16BE(4)).toBe(0x4242);
      expect(icmp.readUInt16BE(6)).toBe(7);
      expect(icmp.subarray(8)).toEqual(data);

      // UDP: the datagram written into the fd reaches a socket; its answer comes back out of the fd.
      sock.bind(0, '10.201.0.1');
      await once(sock, 'listening');
      const port = sock.address().port;
      sock.on('message', (msg, rinfo) => sock.send(Buffer.concat([Buffer.from('re: '), msg]), rinfo.port, rinfo.address));
      tun.write(ipv4('10.201.0.2', '10.201.0.1', 17, udp('10.201.0.2', 40000, '10.201.0.1', port, Buffer.from('hello'))));
      const back = await nextPacket(tun, (p) => isIpv4(p, 17));
      const u = back.subarray(20);
      expect(u.readUInt16BE(0)).toBe(port);
      expect(u.readUInt16BE(2)).toBe(40000);
      expect(csum(u, pseudoSum('10.201.0.1', '10.201.0.2', 17, u.length))).toBe(0);
      expect(u.subarray(8).toString()).toBe('re: hello');
    } finally {
      sock.close();
      await tun.close();
    }
    expect(exists(tun.name)).toBe(false); // not persistent: gone with its fd
  });

  test('TAP in a bridge receives the ARP request of a namespace sending through it, and answers it', async () => {
    const br = uniqueName('br');
    const host = uniqueName('vh');
    const nsName = uniqueName('ns');
    const tap = await TunTap.create({ mode: 'tap', name: uniqueName('tp'), up: true });
    let ns: Namespace | undefined;
    let sock: dgram.Socket | undefined;
    try {
      ip('link', 'add', br, 'type', 'bridge');
      ip('link', 'set', br, 'up');
      await tap.link.setMaster(await Link.get(br));
      ip('netns', 'add', nsName);
      ip('link', 'add', host, 'master', br, 'up', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nsName);
      ip('-n', nsName, 'addr', 'add', '10.202.0.2/24', 'dev', 'eth0');
      ip('-n', nsName, 'link', 'set', 'eth0', 'up');
      expect(ipJson<{ master?: string }[]>('link', 'show', tap.name)[0]!.master).toBe(br);

      ns = await Namespace.open(nsName);
      sock = await ns.createUdpSocket();
      const got = new Promise<Buffer>((resolve) => sock!.once('message', resolve));
      sock.send('through the tap', 9999, '10.202.0.9'); // 10.202.0.9 is us, behind the tap

      const isArp = (f: Buffer) => f.readUInt16BE(12) === 0x0806 && f.readUInt16BE(20) === 1 && dotted(f.subarray(38, 42)) === '10.202.0.9';
      const arp = await nextPacket(tap, isArp);
      expect(arp.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xff)); // broadcast
      expect(dotted(arp.subarray(28, 32))).toBe('10.202.0.2');
      const peerMac = arp.subarray(22, 28);

      // Answer as 10.202.0.9 (02:00:00:00:00:09); the datagram follows, and our reply goes back.
      const ourMac = Buffer.from([2, 0, 0, 0, 0, 9]);
      const eth = (dst: Buffer, type: number) => Buffer.concat([dst, ourMac, Buffer.from([type >> 8, type & 0xff])]);
      const arpReply = Buffer.concat([Buffer.from([0, 1, 8, 0, 6, 4, 0, 2]), ourMac, addr('10.202.0.9'), peerMac, addr('10.202.0.2')]);
      tap.write(Buffer.concat([eth(peerMac, 0x0806), arpReply]));
      const frame = await nextPacket(tap, (f) => f.readUInt16BE(12) === 0x0800 && isIpv4(f.subarray(14), 17));
      expect(frame.subarray(0, 6)).toEqual(ourMac);
      const ipPkt = frame.subarray(14);
      const sport = ipPkt.readUInt16BE(20);
      expect(ipPkt.subarray(28).toString()).toBe('through the tap');
      tap.write(Buffer.concat([eth(peerMac, 0x0800), ipv4('10.202.0.9', '10.202.0.2', 17, udp('10.202.0.9', 9999, '10.202.0.2', sport, Buffer.from('answer')))]));
      expect((await got).toString()).toBe('answer');
    } finally {
      sock?.close();
      await ns?.close();
      await tap.close();
      spawnSync('ip', ['netns', 'del', nsName]);
      cleanup(host, br);
    }
  });

  test('`ip -json -d link show` agrees on type, pi, vnet_hdr, multi_queue, persist, owner and group', async () => {
    const a = await TunTap.create({ mode: 'tap', name: uniqueName('ta'), packetInfo: true, vnetHdr: true, multiQueue: true, persist: true, owner: 4242, group: 4343 });
    const b = await TunTap.create({ mode: 'tun', name: uniqueName('tb') });
    try {
      expect(tunInfo(a.name)).toMatchObject({ type: 'tap', pi: true, vnet_hdr: true, multi_queue: true, persist: true, user: 4242, group: 4343, numqueues: 1 });
      expect(a).toMatchObject({ mode: 'tap', packetInfo: true, vnetHdr: true, multiQueue: true, persistent: true });
      const bi = tunInfo(b.name);
      expect(bi).toMatchObject({ type: 'tun', pi: false, vnet_hdr: false, multi_queue: false, persist: false });
      // Neither owner nor group is set unless asked for.
      expect(bi.user).toBeUndefined();
      expect(bi.group).toBeUndefined();
      expect(b).toMatchObject({ mode: 'tun', packetInfo: false, vnetHdr: false, multiQueue: false, persistent: false });
      // Our own rtnetlink view says the same.
      expect((await Link.get(a.name)).attributes.linkinfo).toMatchObject({ kind: 'tun', data: { pi: 1, vnetHdr: 1, multiQueue: 1, persist: 1, owner: 4242, group: 4343 } });
    } finally {
      await b.close();
      await a.delete();
    }
    expect(exists(a.name) || exists(b.name)).toBe(false);
  });

  test('multi-queue: addQueue() opens another fd; detach()/attach() toggle it (TUNSETQUEUE)', async () => {
    const tap = await TunTap.create({ mode: 'tap', name: uniqueName('mq'), multiQueue: true });
    try {
      const q2 = await tap.addQueue();
      const q3 = await tap.addQueue();
      expect(tap.extraQueues).toHaveLength(2);
      expect(tunInfo(tap.name)).toMatchObject({ numqueues: 3, numdisabled: 0 });
      await q2.detach();
      expect(tunInfo(tap.name)).toMatchObject({ numqueues: 2, numdisabled: 1 });
      await expect(q2.detach()).rejects.toBeInstanceOf(TunTapError); // already detached
      await q2.attach();
      expect(tunInfo(tap.name)).toMatchObject({ numqueues: 3, numdisabled: 0 });
      await q3.close();
      expect(tunInfo(tap.name)).toMatchObject({ numqueues: 2 });
      const single = await TunTap.create({ mode: 'tun', name: uniqueName('sq') });
      await expect(single.addQueue()).rejects.toBeInstanceOf(InvalidArgumentError);
      await single.close();
    } finally {
      await tap.close();
    }
    expect(exists(tap.name)).toBe(false);
  });

  test('persistent devices: open() attaches (mode read from the device), persist:false then close() removes, delete() removes', async () => {
    const name = uniqueName('pp');
    const other = uniqueName('pq');
    try {
      await (await TunTap.create({ mode: 'tap', name, persist: true })).close();
      expect(exists(name)).toBe(true);
      const t = await TunTap.open(name);
      expect(t).toMatchObject({ mode: 'tap', persistent: true, name });
      await t.close();
      expect(exists(name)).toBe(true);
      await (await TunTap.open(name, { mode: 'tap', persist: false })).close();
      expect(exists(name)).toBe(false);

      ip('tuntap', 'add', 'dev', other, 'mode', 'tun', 'multi_queue');
      const o = await TunTap.open(other);
      expect(o).toMatchObject({ mode: 'tun', multiQueue: true, persistent: true });
      await o.delete();
      expect(exists(other)).toBe(false);
    } finally {
      cleanup(name, other);
    }
  });

  test('createPersistent(): the device stays with no fd held, flags as asked (ip -d oracle), up, a template, in a namespace; errors', async () => {
    const name = uniqueName('cp');
    const ns = await Namespace.create();
    let templated: Link | undefined;
    try {
      const link = await TunTap.createPersistent({ mode: 'tap', name, vnetHdr: true, multiQueue: true, owner: 1234, up: true });
      expect(link).toMatchObject({ name, kind: 'tun' });
      expect(link.flags).toContain('UP');
      expect(tunInfo(name)).toMatchObject({ type: 'tap', vnet_hdr: true, multi_queue: true, persist: true, user: 1234 });
      expect(tunInfo(name).numqueues ?? 0).toBe(0); // no fd of ours on it
      // Attachable later, as a VM would.
      const t = await TunTap.open(name);
      expect(t).toMatchObject({ mode: 'tap', multiQueue: true, persistent: true });
      await t.close();
      expect(exists(name)).toBe(true);

      templated = await TunTap.createPersistent({ mode: 'tun', name: 'vkp%d' });
      expect(templated.name).toMatch(/^vkp\d+$/);
      expect(tunInfo(templated.name)).toMatchObject({ type: 'tun', persist: true, pi: false });

      const there = await TunTap.createPersistent({ mode: 'tun', name: 'cpns0', namespace: ns, packetInfo: true });
      expect(there.namespace).toBe(ns);
      expect(exists('cpns0')).toBe(false);
      const shown = await ns.exec('ip', ['-json', '-d', 'link', 'show', 'cpns0']);
      expect(JSON.parse(shown.stdout)[0].linkinfo.info_data).toMatchObject({ type: 'tun', pi: true, persist: true });

      await expect(TunTap.createPersistent({ mode: 'tun', name })).rejects.toMatchObject({ reason: 'name-in-use', code: 'EBUSY' });
      await expect(TunTap.createPersistent({ mode: 'tap', name: 'lo' })).rejects.toMatchObject({ reason: 'name-in-use', message: expect.stringMatching(/loopback|not a tun/) });
      await expect(TunTap.createPersistent({ mode: 'tap', name: 'cpx0', persist: false } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(exists('cpx0')).toBe(false);
      expect(await Link.deleteMany([link, templated])).toBe(2);
      expect(exists(name)).toBe(false);
    } finally {
      cleanup(name, ...(templated ? [templated.name] : []));
      await ns.close();
    }
  });

  test('createPersistent() in a burst: each job reads its device back and sets its deviceGroup; a failure stays its own; deleteLinks({ group }) takes exactly them', async () => {
    const ns = await Namespace.create();
    const list = jest.spyOn(Link, 'list');
    const get = jest.spyOn(Link, 'get');
    try {
      await TunTap.createPersistent({ mode: 'tap', name: 'taken0', namespace: ns });
      const bystander = await TunTap.createPersistent({ mode: 'tap', name: 'keep0', namespace: ns });
      list.mockClear();
      get.mockClear();
      const names = Array.from({ length: 40 }, (_, i) => `bt${i}`);
      const results = await Promise.allSettled([...names, 'taken0'].map((name) => TunTap.createPersistent({ mode: 'tap', name, namespace: ns, deviceGroup: 4321 })));
      const links = results.slice(0, 40).map((r) => (r as PromiseFulfilledResult<Link>).value);
      expect(links.map((l) => l.name)).toEqual(names);
      expect(new Set(links.map((l) => l.index)).size).toBe(40);
      expect(links.every((l) => l.kind === 'tun' && l.namespace === ns && l.group === 4321)).toBe(true);
      expect(links[0]!.linkInfo).toMatchObject({ kind: 'tun', data: { persist: 1 } }); // read after TUNSETPERSIST
      expect(results[40]).toMatchObject({ status: 'rejected', reason: { reason: 'name-in-use' } });
      expect(list).not.toHaveBeenCalled();
      expect(get.mock.calls.map((c) => c[0])).toEqual(['taken0']); // only to explain the failure
      // What each Link says is what the kernel says (ip as the oracle).
      const shown = JSON.parse((await ns.exec('ip', ['-json', '-d', 'link', 'show', 'type', 'tun'])).stdout) as { ifname: string; ifindex: number; group: string }[];
      for (const l of links) expect(shown.find((x) => x.ifname === l.name)).toMatchObject({ ifindex: l.index, group: '4321' });
      expect(shown.find((x) => x.ifname === 'taken0')?.group).toBe('default');
      expect(await ns.deleteLinks({ group: 4321 })).toBe(40);
      const left = JSON.parse((await ns.exec('ip', ['-json', 'link', 'show', 'type', 'tun'])).stdout) as { ifname: string }[];
      expect(left.map((x) => x.ifname).sort()).toEqual(['keep0', 'taken0']);
      expect((await bystander.refresh()).group).toBe(0);
      // A closed namespace handle is said to be one.
      const other = await Namespace.create();
      await other.close();
      await expect(TunTap.createPersistent({ mode: 'tap', name: 'cl0', namespace: other })).rejects.toBeInstanceOf(ClosedError);
      await expect(TunTap.createPersistent({ mode: 'tap', name: 'cl1', namespace: ns, deviceGroup: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(TunTap.open('bt0', { namespace: ns, deviceGroup: 5 } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      list.mockRestore();
      get.mockRestore();
      await ns.close();
    }
  });

  test('a create whose job brought no answer back reads the device and sets its group from the main thread; TunTap.create() takes deviceGroup too', async () => {
    const ns = await Namespace.create();
    const real = binding.tunOpen;
    // The job makes the device as usual but sends no follow-up, as if its netlink socket had failed.
    const open = jest.spyOn(binding, 'tunOpen').mockImplementation((nsFd, o) => real(nsFd, { ...o, followUp: undefined }));
    const get = jest.spyOn(Link, 'get');
    try {
      const link = await TunTap.createPersistent({ mode: 'tun', name: 'fb0', namespace: ns, deviceGroup: 77 });
      expect(link).toMatchObject({ name: 'fb0', kind: 'tun', group: 77 });
      const t = await TunTap.create({ mode: 'tap', name: 'fb1', namespace: ns, deviceGroup: 78 });
      expect(t.link).toMatchObject({ name: 'fb1', group: 78 });
      expect(open).toHaveBeenCalledTimes(2);
      // Read from here by name, as the job brought nothing (set() then reads each back by index).
      expect(get.mock.calls.map((c) => c[0]).filter((x) => typeof x === 'string')).toEqual(['fb0', 'fb1']);
      open.mockRestore();
      get.mockClear();
      const t2 = await TunTap.create({ mode: 'tap', name: 'fb2', namespace: ns, deviceGroup: 78 });
      expect(t2.link).toMatchObject({ name: 'fb2', group: 78, kind: 'tun' });
      expect(get).not.toHaveBeenCalled();
      const shown = JSON.parse((await ns.exec('ip', ['-json', '-d', 'link', 'show'])).stdout) as { ifname: string; group: string }[];
      expect(Object.fromEntries(shown.map((x) => [x.ifname, x.group]))).toMatchObject({ fb0: '77', fb1: '78', fb2: '78' });
      await Promise.all([t.close(), t2.close()]);
    } finally {
      open.mockRestore();
      get.mockRestore();
      await ns.close();
    }
  });

  test('a device in another namespace: created there, packets flow there, nothing here', async () => {
    const ns = await Namespace.create();
    try {
      const tun = await TunTap.create({ mode: 'tun', name: 'tunx', namespace: ns, up: true });
      expect(exists('tunx')).toBe(false);
      expect((await ns.links()).map((l) => l.name)).toContain('tunx');
      expect((await ns.exec('ip', ['addr', 'add', '10.203.0.1/24', 'dev', 'tunx'])).code).toBe(0);
      tun.write(ipv4('10.203.0.2', '10.203.0.1', 1, icmpEcho(8, 1, 1, Buffer.from('ns'))));
      const reply = await nextPacket(tun, (p) => isIpv4(p, 1) && p[20] === 0);
      expect(dotted(reply.subarray(12, 16))).toBe('10.203.0.1');
      await tun.close();
      expect((await ns.links()).map((l) => l.name)).not.toContain('tunx');
    } finally {
      await ns.close();
    }
  });

  test('closing while a read is pending ends the async iterator cleanly; asyncDispose closes', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('ci') });
    const reading = (async () => {
      let n = 0;
      for await (const _ of tun) n++;
      return `ended after ${n}`;
    })();
    await new Promise((r) => setTimeout(r, 50));
    await tun.close();
    await expect(reading).resolves.toBe('ended after 0');
    expect(exists(tun.name)).toBe(false);

    const t2 = await TunTap.create({ mode: 'tap', name: uniqueName('cd') });
    await t2[Symbol.asyncDispose]();
    expect(exists(t2.name)).toBe(false);
    await t2.close(); // idempotent
  });

  test('a queue never read or written closes without the packet thread: fd closed, device gone; one used late still works', async () => {
    // Open /dev/net/tun fds of this process.
    const fds = () => readdirSync('/proc/self/fd').filter((f) => {
      try {
        return readlinkSync(`/proc/self/fd/${f}`) === '/dev/net/tun';
      } catch {
        return false;
      }
    }).length;
    const before = fds();
    const taps = await Promise.all(Array.from({ length: 20 }, (_, i) => TunTap.create({ mode: 'tap', name: uniqueName(`un${i}`) })));
    expect(fds()).toBe(before + 20);
    const names = taps.map((t) => t.name);
    await Promise.all(taps.map((t) => t.close()));
    expect(fds()).toBe(before);
    for (const n of names) expect(exists(n)).toBe(false);
    // Created and left idle first, then used: the first write attaches it to the packet thread.
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('late'), up: true });
    try {
      ip('addr', 'add', '10.209.0.1/24', 'dev', tun.name);
      await new Promise((r) => setTimeout(r, 20));
      expect(tun.writeBatch([ipv4('10.209.0.2', '10.209.0.1', 1, icmpEcho(8, 0x4343, 1, Buffer.from('late')))])).toBe(true);
      const reply = await nextPacket(tun, (p) => isIpv4(p, 1) && p[20] === 0);
      expect(dotted(reply.subarray(12, 16))).toBe('10.209.0.1');
      expect(reply.subarray(20).readUInt16BE(4)).toBe(0x4343);
    } finally {
      await tun.close();
    }
    expect(fds()).toBe(before);
  });

  test('a device deleted under an open queue ends the stream with device-removed', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('dr') });
    const reading = (async () => {
      for await (const _ of tun) void _;
    })();
    await new Promise((r) => setTimeout(r, 50));
    ip('link', 'del', tun.name);
    await expect(reading).rejects.toMatchObject({ name: 'TunTapError', reason: 'device-removed', code: 'EBADFD' });
    await tun.close();
  });

  test('backpressure: write() reports a full queue and drains; reading pauses while nobody reads', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('bp'), up: true });
    try {
      ip('addr', 'add', '10.204.0.1/24', 'dev', tun.name);
      const pkt = ipv4('10.204.0.2', '10.204.0.1', 1, icmpEcho(8, 9, 9, Buffer.alloc(1372)));
      // Nobody reads: the kernel's queue (txqlen 500) fills and drops; nothing piles up in memory.
      let full = 0;
      for (let i = 0; i < 3000; i++) if (!tun.write(pkt)) full++;
      expect(full).toBeGreaterThan(0); // the object-mode high-water mark was crossed
      await once(tun, 'drain');
      await new Promise((r) => setTimeout(r, 100));
      let replies = 0;
      await new Promise<void>((resolve) => {
        const quiet = () => setTimeout(() => (tun.pause(), resolve()), 200);
        let timer = quiet();
        tun.on('data', (p: Buffer) => {
          if (isIpv4(p, 1)) replies++;
          clearTimeout(timer);
          timer = quiet();
        });
      });
      expect(replies).toBeGreaterThan(0);
      expect(replies).toBeLessThanOrEqual(1000 + 64); // txqlen plus one read batch, not 3000
      expect(tun.writeErrors).toBe(0);
    } finally {
      await tun.close();
    }
  });

  test('batches() and writeBatch(): replies to a batch of echo requests come back whole and in order, in batches; stream writes stay ahead', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('bt'), up: true });
    try {
      ip('addr', 'add', '10.205.0.1/24', 'dev', tun.name);
      const request = (seq: number) => ipv4('10.205.0.2', '10.205.0.1', 1, icmpEcho(8, 0x5151, seq, Buffer.alloc(200, seq & 0xff)));
      tun.write(request(0)); // still in the Writable when writeBatch() comes: it must go first
      expect(tun.writeBatch(Array.from({ length: 99 }, (_, i) => request(i + 1)))).toBe(true);
      const seqs: number[] = [];
      const sizes: number[] = [];
      for await (const batch of tun.batches()) {
        sizes.push(batch.length);
        for (const p of batch) {
          expect(Buffer.isBuffer(p)).toBe(true);
          if (!isIpv4(p, 1) || p[20] !== 0) continue;
          expect(csum(p.subarray(20))).toBe(0);
          expect(p.subarray(28)).toEqual(Buffer.alloc(200, p.readUInt16BE(26) & 0xff));
          seqs.push(p.readUInt16BE(26));
        }
        if (seqs.length >= 100) break; // leaves the queue open
      }
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(Math.max(...sizes)).toBeGreaterThan(1); // handed over a batch at a time, not packet by packet
      // After break: the queue still reads (stream or batches) and writes.
      expect(tun.destroyed).toBe(false);
      tun.writeBatch([request(500)]);
      expect((await nextPacket(tun, (p) => isIpv4(p, 1) && p[20] === 0)).readUInt16BE(26)).toBe(500);
      tun.on('data', () => undefined).resume();
      expect(() => tun.batches()).toThrow(/flowing/);
      tun.removeAllListeners('data');
      tun.pause();
      expect(() => tun.writeBatch([request(1), Buffer.alloc(0)])).toThrow(InvalidArgumentError);
      // close() ends a pending batches() loop normally; writing afterwards throws.
      const loop = (async () => {
        let n = 0;
        for await (const b of tun.batches()) n += b.length;
        return n;
      })();
      await new Promise((r) => setTimeout(r, 50));
      await tun.close();
      await expect(loop).resolves.toBe(0); // the invalid batch above queued nothing, so nothing came back
      expect(() => tun.writeBatch([request(2)])).toThrow(TunTapError);
    } finally {
      await tun.close();
    }
  });

  test('writeBatch() backpressure: false above the native mark, then drain; a deleted device ends batches() with device-removed', async () => {
    const tun = await TunTap.create({ mode: 'tun', name: uniqueName('bb'), up: true });
    try {
      ip('addr', 'add', '10.206.0.1/24', 'dev', tun.name);
      const pkt = ipv4('10.206.0.2', '10.206.0.1', 1, icmpEcho(8, 1, 1, Buffer.alloc(1372)));
      const ok = tun.writeBatch(Array.from({ length: 400 }, () => pkt)); // 560 KB > 256 KiB
      expect(ok).toBe(false);
      await once(tun, 'drain');
      const reading = (async () => {
        for await (const _ of tun.batches()) void _;
      })();
      await new Promise((r) => setTimeout(r, 50));
      ip('link', 'del', tun.name);
      await expect(reading).rejects.toMatchObject({ name: 'TunTapError', reason: 'device-removed' });
    } finally {
      await tun.close();
    }
  });

  test('errors: name used by a bridge, mode mismatch, busy, missing device, bad input: typed, nothing left behind', async () => {
    const br = uniqueName('eb');
    const tap = uniqueName('et');
    try {
      ip('link', 'add', br, 'type', 'bridge');
      for (const p of [TunTap.create({ mode: 'tun', name: br }), TunTap.open(br)]) {
        const e = (await p.catch((x) => x)) as TunTapError;
        expect(e).toBeInstanceOf(TunTapError);
        expect(e.reason).toBe('name-in-use');
        expect(e.message).toMatch(/is a bridge device/);
      }
      ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
      await expect(TunTap.create({ mode: 'tap', name: tap })).rejects.toMatchObject({ reason: 'name-in-use', code: 'EBUSY', message: expect.stringMatching(/TunTap.open/) });
      await expect(TunTap.open(tap, { mode: 'tun' })).rejects.toMatchObject({ reason: 'mode-mismatch', message: expect.stringMatching(/is a tap device/) });
      await expect(TunTap.open(tap, { multiQueue: true })).rejects.toMatchObject({ reason: 'mode-mismatch' });
      const held = await TunTap.open(tap);
      await expect(TunTap.open(tap)).rejects.toMatchObject({ reason: 'busy', code: 'EBUSY' });
      await held.close();
      expect(tunInfo(tap)).toMatchObject({ type: 'tap', persist: true });

      await expect(TunTap.open('nosuchtap0')).rejects.toMatchObject({ reason: 'not-found', code: 'ENODEV' });
      expect(exists('nosuchtap0')).toBe(false);
      await expect(TunTap.create({ mode: 'tun', name: 'ok0', owner: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(TunTap.create({ mode: 'tun', name: 'ok0', group: 0xffffffff })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(TunTap.create({ mode: 'bridge' as 'tun', name: 'ok0' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(TunTap.create({ mode: 'tun', name: 'bad name' })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(exists('ok0')).toBe(false);
      const t = await TunTap.create({ mode: 'tun', name: 'ok0' });
      expect(() => t.write('not a packet')).toThrow(InvalidArgumentError);
      expect(() => t.write(Buffer.alloc(0))).toThrow(InvalidArgumentError);
      await t.close();
    } finally {
      cleanup(br, tap, 'ok0');
    }
  });

  test('no /dev/net/tun and no CAP_NET_ADMIN are explained', () => {
    const create = `await v.TunTap.create({ mode: 'tap', name: 'np0' });`;
    const noDev = child(['unshare', '--mount', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$@"', 'sh'], create);
    expect(noDev).toMatchObject({ name: 'TunTapError', reason: 'no-tun-device', code: 'ENOENT' });
    expect(noDev.message).toMatch(/modprobe tun/);
    const noCap = child(['setpriv', '--bounding-set', '-net_admin', '--inh-caps', '-net_admin'], create);
    expect(noCap).toMatchObject({ name: 'TunTapError', reason: 'permission', code: 'EPERM' });
    expect(noCap.message).toMatch(/CAP_NET_ADMIN/);
    expect(exists('np0')).toBe(false);
  });
});
