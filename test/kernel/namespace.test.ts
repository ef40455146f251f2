// SPDX-License-Identifier: MIT
// Namespaces on the real kernel, cross-checked with iproute2 (`ip netns ...`).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, Link, Namespace, NamespaceError, NamespaceEvent } from '../../src';
import { native } from '../../src/native/binding';
import { describeKernel, ip, ipJson, uniqueName } from '../helpers/sandbox';

const netnsMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / \/run\/netns\/\S+ /.test(l)).length;
const ipNetnsList = () => ip('netns', 'list').split('\n').filter(Boolean).map((l) => l.split(' ')[0]);

describeKernel('Namespace', () => {
  jest.setTimeout(60_000);

  test('create(name) behaves like `ip netns add`: listed, usable by `ip netns exec`, lo up', async () => {
    const name = uniqueName('ns');
    const ns = await Namespace.create(name);
    try {
      expect(ipNetnsList()).toContain(name);
      expect((await Namespace.list()).map((n) => n.name)).toContain(name);
      const links = JSON.parse(execFileSync('ip', ['netns', 'exec', name, 'ip', '-json', 'link'], { encoding: 'utf8' }));
      expect(links.map((l: { ifname: string }) => l.ifname)).toEqual(['lo']);
      expect(links[0].flags).toContain('UP');
      expect(spawnSync('ip', ['netns', 'exec', name, 'ping', '-c1', '-W1', '127.0.0.1']).status ?? 0).toBeLessThan(2);
    } finally {
      await ns.delete();
    }
    expect(ipNetnsList()).not.toContain(name);
    expect(existsSync(`/run/netns/${name}`)).toBe(false);
  });

  test('a name made after another mount namespace was split off still appears there (the run dir is a shared mount)', async () => {
    const name = uniqueName('pr');
    // As `ip netns add` guarantees: a process that entered its own mount namespace earlier (a
    // container runtime's child, `ip netns exec`) sees names created later.
    const other = spawn('unshare', ['--mount', '--propagation', 'unchanged', 'sh', '-c', 'sleep 0.5; ls /run/netns'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    other.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const exited = new Promise((resolve) => other.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ns = await Namespace.create(name, { loopbackUp: false });
    try {
      await exited;
      expect(seen.split('\n')).toContain(name);
      const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.includes(` /run/netns/${name} `));
      expect(line).toMatch(/ shared:\d+ /);
    } finally {
      await ns.delete();
    }
  });

  test('loopbackUp: false leaves lo down, as a raw new namespace has it', async () => {
    const ns = await Namespace.create(undefined, { loopbackUp: false });
    try {
      expect((await ns.link('lo')).isUp).toBe(false);
    } finally {
      await ns.close();
    }
  });

  test('a namespace made by `ip netns add` opens here and is the same namespace', async () => {
    const name = uniqueName('ip');
    ip('netns', 'add', name);
    try {
      const a = await Namespace.open(name);
      const b = await Namespace.fromPath(`/run/netns/${name}`);
      expect(a.equals(b)).toBe(true);
      expect(a.equals(Namespace.current())).toBe(false);
      expect(a.name).toBe(name);
      ip('-n', name, 'link', 'add', 'x0', 'type', 'bridge');
      expect((await a.links()).map((l) => l.name).sort()).toEqual(['lo', 'x0']);
      await a.close();
      await b.close();
    } finally {
      ip('netns', 'del', name);
    }
  });

  test('identify, pids and list-id agree with ip', async () => {
    const name = uniqueName('id');
    const ns = await Namespace.create(name);
    const child = ns.spawn('sleep', ['30']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await Namespace.identify(child.pid!)).toEqual([name]);
      expect(ip('netns', 'identify', String(child.pid)).trim()).toBe(name);
      const ipPids = ip('netns', 'pids', name).split('\n').filter(Boolean).map(Number);
      expect(await ns.pids()).toEqual(ipPids.sort((x, y) => x - y));
      expect(await ns.pids()).toContain(child.pid);

      expect(await ns.setId(42)).toBe(42);
      expect(ip('netns', 'list-id')).toMatch(new RegExp(`nsid 42 .*${name}`));
      expect(await Namespace.listIds()).toContainEqual({ id: 42, names: [name] });
      const other = uniqueName('id');
      ip('netns', 'add', other);
      ip('netns', 'set', other, '43');
      const o = await Namespace.open(other);
      expect(await o.id()).toBe(43);
      expect((await Namespace.list()).find((n) => n.name === other)).toMatchObject({ id: 43 });
      await o.delete();
    } finally {
      child.kill();
      await ns.delete();
    }
  });

  test('spawn() sees only the namespace\'s own devices, in /sys and over netlink, and /etc/netns files', async () => {
    const name = uniqueName('ex');
    const hostLink = uniqueName('hv');
    ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', `${hostLink}p`);
    const ns = await Namespace.create(name);
    const etcDir = `/etc/netns/${name}`;
    let etcWritable = true;
    try {
      mkdirSync(etcDir, { recursive: true });
      writeFileSync(`${etcDir}/hosts`, '10.9.9.9 inside-only\n');
    } catch {
      etcWritable = false; // the sandbox could not overlay /etc (e.g. no overlayfs): skip that part
    }
    try {
      await Link.create({ namespace: ns, kind: 'bridge', name: 'inner0' });
      const r = await ns.exec('ip', ['-json', 'link']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).map((l: { ifname: string }) => l.ifname).sort()).toEqual(['inner0', 'lo']);
      const sys = await ns.exec('sh', ['-c', 'ls /sys/class/net']);
      expect(sys.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['inner0', 'lo']);
      if (etcWritable) {
        const hosts = await ns.exec('cat', ['/etc/hosts']);
        expect(hosts.stdout).toContain('inside-only');
        expect(readFileSync('/etc/hosts', 'utf8')).not.toContain('inside-only');
      }
      // A real ChildProcess: exit codes and signals come through.
      expect((await ns.exec('sh', ['-c', 'exit 3'])).code).toBe(3);
      const killed = ns.spawn('sleep', ['30']);
      killed.kill('SIGTERM');
      const [, signal] = await new Promise<[number | null, string | null]>((res) => killed.on('exit', (c, s) => res([c, s])));
      expect(signal).toBe('SIGTERM');
      expect((await ns.exec('/no/such/program')).code).toBe(127);
    } finally {
      if (etcWritable) rmSync(etcDir, { recursive: true, force: true });
      await ns.delete();
      ip('link', 'del', hostLink);
    }
  });

  test('TCP echo and a UDP datagram between two namespaces joined by a veth pair', async () => {
    const a = await Namespace.create(uniqueName('ta'));
    const b = await Namespace.create(uniqueName('tb'));
    try {
      ip('link', 'add', 'ea', 'netns', a.name!, 'type', 'veth', 'peer', 'name', 'eb', 'netns', b.name!);
      ip('-n', a.name!, 'addr', 'add', '10.200.0.1/24', 'dev', 'ea');
      ip('-n', b.name!, 'addr', 'add', '10.200.0.2/24', 'dev', 'eb');
      await (await a.link('ea')).setUp();
      await (await b.link('eb')).setUp();
      const server = await b.listen({ port: 0, host: '10.200.0.2' }, (s) => s.pipe(s));
      const port = (server.address() as { port: number }).port;
      const sock = await a.connect({ port, host: '10.200.0.2' });
      expect(sock.localAddress).toBe('10.200.0.1');
      const echoed = new Promise<string>((res) => sock.once('data', (d) => res(d.toString())));
      sock.write('ping across namespaces');
      expect(await echoed).toBe('ping across namespaces');
      sock.destroy();
      await new Promise((r) => server.close(r));

      const rx = await b.createUdpSocket({ address: '10.200.0.2' });
      const tx = await a.createUdpSocket();
      const got = new Promise<[string, string]>((res) => rx.once('message', (m, info) => res([m.toString(), info.address])));
      tx.send('datagram', rx.address().port, '10.200.0.2');
      expect(await got).toEqual(['datagram', '10.200.0.1']);
      rx.close();
      tx.close();
    } finally {
      await a.delete();
      await b.delete();
    }
  });

  test('persist() names an anonymous namespace; attach() names a process\'s; delete keeps users alive', async () => {
    const anon = await Namespace.create();
    const name = uniqueName('pa');
    await anon.persist(name);
    expect(ipNetnsList()).toContain(name);
    expect(ip('netns', 'exec', name, 'ip', '-o', 'link').split('\n').filter(Boolean)).toHaveLength(1);
    const child = anon.spawn('sleep', ['30']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const attached = uniqueName('at');
      const viaPid = await Namespace.attach(attached, child.pid!);
      expect(viaPid.equals(anon)).toBe(true);
      // Both names are bind mounts of one namespace; ip 6.1 prints the first it finds, we list all.
      expect(await Namespace.identify(child.pid!)).toEqual([attached, name].sort());
      expect([attached, name]).toContain(ip('netns', 'identify', String(child.pid)).trim());
      await viaPid.delete();
      await anon.delete(); // removes only the name: the sleeping process keeps the namespace
      expect(ipNetnsList()).not.toContain(name);
      expect(child.exitCode).toBeNull();
      const still = await Namespace.fromPid(child.pid!);
      expect((await still.links()).map((l) => l.name)).toEqual(['lo']);
      await still.close();
    } finally {
      child.kill();
    }
  });

  test('bad input and failures are typed, and leave no file or mount behind', async () => {
    const mounts = netnsMounts();
    for (const bad of ['', '.', '..', 'a/b', 'x'.repeat(256)]) {
      await expect(Namespace.create(bad)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    const name = uniqueName('dup');
    const ns = await Namespace.create(name);
    const dup = (await Namespace.create(name).catch((e) => e)) as NamespaceError;
    expect(dup).toBeInstanceOf(NamespaceError);
    expect(dup.code).toBe('EEXIST');
    expect(dup.path).toBe(`/run/netns/${name}`);
    expect(dup.message).toContain(`/run/netns/${name}`);
    await ns.delete();

    const missing = (await Namespace.open('no-such-ns').catch((e) => e)) as NamespaceError;
    expect(missing.code).toBe('ENOENT');
    expect(missing.message).toContain('/run/netns/no-such-ns');
    await expect(Namespace.fromPid(999_999_9)).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(Namespace.fromPath('/etc/hostname')).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/not a network namespace/) });
    await expect(Namespace.delete('no-such-ns')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(netnsMounts()).toBe(mounts);
    expect(ipNetnsList()).not.toContain(name);
  });

  test('100 concurrent create() calls all succeed and leave exactly 100 mounts', async () => {
    const before = netnsMounts();
    const names = Array.from({ length: 100 }, (_, i) => `par${process.pid}-${i}`);
    const all = await Promise.all(names.map((n) => Namespace.create(n)));
    try {
      expect(netnsMounts() - before).toBe(100);
      expect(new Set(all.map((n) => n.inode)).size).toBe(100);
      expect(ipNetnsList().filter((n) => n.startsWith(`par${process.pid}-`))).toHaveLength(100);
    } finally {
      await Promise.all(all.map((n) => n.delete()));
    }
    expect(netnsMounts()).toBe(before);
  });

  test('creates made together share namespace-thread jobs (64 each), each settling on its own: a taken name fails alone, anonymous ones mix in', async () => {
    const before = netnsMounts();
    const home = await native().runnerNetnsInode();
    const taken = uniqueName('tk');
    const first = await Namespace.create(taken);
    const realCreateMany = native().createNetnsMany.bind(native());
    const many = jest.spyOn(native(), 'createNetnsMany');
    const linkGet = jest.spyOn(Link, 'get');
    const names = Array.from({ length: 130 }, (_, i) => `bt${process.pid}-${i}`);
    const results = await Promise.allSettled([
      ...names.slice(0, 60).map((n) => Namespace.create(n, { loopbackUp: false })),
      Namespace.create(taken),
      Namespace.create(undefined, { loopbackUp: false }),
      ...names.slice(60).map((n) => Namespace.create(n)),
    ]);
    const made = results.filter((r): r is PromiseFulfilledResult<Namespace> => r.status === 'fulfilled').map((r) => r.value);
    const loReadsInBurst = linkGet.mock.calls.filter((c) => c[0] === 'lo').length;
    linkGet.mockRestore();
    try {
      expect(many.mock.calls.map((c) => c[1].length)).toEqual([64, 64, 4]);
      // lo is brought up by the job (nothing read it from here), in exactly the namespaces that asked.
      expect(many.mock.calls.flatMap((c) => c[3] ?? [])).toEqual([...Array(60).fill(false), true, false, ...Array(70).fill(true)]);
      expect(loReadsInBurst).toBe(0);
      expect(results[60]).toMatchObject({ status: 'rejected', reason: { code: 'EEXIST', path: `/run/netns/${taken}` } });
      expect(made).toHaveLength(131);
      expect(new Set(made.map((n) => n.inode)).size).toBe(131);
      expect(made[60]!.name).toBeUndefined(); // the anonymous one
      expect(ipNetnsList().filter((n) => n.startsWith(`bt${process.pid}-`)).sort()).toEqual([...names].sort());
      expect(netnsMounts() - before).toBe(131); // the 130 new names and the one made first
      // Each is the namespace its name says (ip as the oracle), lo up where asked.
      const pick = made[100]!;
      expect((await pick.link('lo')).isUp).toBe(true);
      expect((await made[10]!.link('lo')).isUp).toBe(false);
      expect(execFileSync('ip', ['-n', pick.name!, '-o', 'link', 'show', 'lo'], { encoding: 'utf8' })).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
      expect(execFileSync('ip', ['netns', 'exec', pick.name!, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' })).toContain(String(pick.inode));
      // The namespace thread went home after each one.
      expect(await native().runnerNetnsInode()).toBe(home);
      // A lone create is a job of its own.
      many.mockClear();
      const lone = await Namespace.create();
      expect(many.mock.calls.map((c) => c[1])).toEqual([['']]);
      await lone.close();
      // A job that could not ask for lo up (no replies; lo left down): the create brings it up itself.
      many.mockImplementation(async (...args) => (await realCreateMany(args[0], args[1])).map((r) => ('fd' in r ? { fd: r.fd } : r)));
      const getLo = jest.spyOn(Link, 'get');
      const fallback = await Namespace.create();
      expect(getLo.mock.calls.map((c) => c[0])).toEqual(['lo']);
      getLo.mockRestore();
      expect((await fallback.link('lo')).isUp).toBe(true);
      await fallback.close();
      // A refusal from the kernel fails the create, and the namespace made is deleted again.
      const refusal = Uint8Array.from(Buffer.concat([Buffer.from(new Uint32Array([36, 2 | (0x100 << 16), 1, 0, 0xffffffff]).buffer), Buffer.alloc(16)]));
      many.mockImplementation(async (...args) => (await realCreateMany(args[0], args[1])).map((r) => ('fd' in r ? { fd: r.fd, replies: refusal } : r)));
      const refusedName = uniqueName('lo');
      await expect(Namespace.create(refusedName)).rejects.toMatchObject({ code: 'EPERM', op: 'RTM_NEWLINK', message: expect.stringContaining('set up "lo"') });
      expect(ipNetnsList()).not.toContain(refusedName);
      // Should the addon throw instead of answering, every create of the batch fails with it.
      many.mockImplementation(() => {
        throw new TypeError('addon refused');
      });
      const refused = await Promise.allSettled([Namespace.create(uniqueName('rf')), Namespace.create()]);
      expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/addon refused/);
    } finally {
      many.mockRestore();
      await Namespace.deleteMany(made.filter((n) => n.name !== undefined));
      await Promise.all(made.filter((n) => n.name === undefined).map((n) => n.close()));
      await first.delete();
    }
    expect(netnsMounts()).toBe(before);
  });

  test('monitor() reports names added and deleted, by us and by ip', async () => {
    const mon = Namespace.monitor();
    const seen: NamespaceEvent[] = [];
    mon.on('event', (e: NamespaceEvent) => seen.push(e));
    const ours = uniqueName('mo');
    const theirs = uniqueName('mi');
    try {
      const ns = await Namespace.create(ours);
      ip('netns', 'add', theirs);
      ip('netns', 'del', theirs);
      await ns.delete();
      const deadline = Date.now() + 2000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([
        { type: 'add', name: ours },
        { type: 'add', name: theirs },
        { type: 'delete', name: theirs },
        { type: 'delete', name: ours },
      ]);
    } finally {
      mon.close();
    }
  });

  test('close() and asyncDispose release the handle; using it afterwards is ClosedError', async () => {
    const ns = await Namespace.create();
    await ns[Symbol.asyncDispose]();
    expect(ns.isClosed).toBe(true);
    await expect(ns.links()).rejects.toMatchObject({ code: 'ERR_VNETKIT_CLOSED' });
    expect(() => ns.inode).toThrow(/closed/);
    expect(ipJson<unknown[]>('link', 'show').length).toBeGreaterThan(0);
  });
});
