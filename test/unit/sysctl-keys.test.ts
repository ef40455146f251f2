// SPDX-License-Identifier: MIT
// sysctl key parsing, refusals and per-interface paths (the kernel's part is test/kernel/sysctl.test.ts).
import { InvalidArgumentError } from '../../src/errors';
import { linkSysctlPath, parseLinkSysctlKey, parseSysctlKey, parseSysctlPrefix, sysctlValueText } from '../../src/objects/sysctl-keys';

const refused = (fn: () => unknown, pattern: RegExp): void => {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect((err as Error).message).toMatch(pattern);
};

describe('parseSysctlKey', () => {
  test('dotted, slash and /proc/sys forms name the same file', () => {
    const want = { key: 'net.ipv4.ip_forward', path: '/proc/sys/net/ipv4/ip_forward' };
    expect(parseSysctlKey('net.ipv4.ip_forward')).toEqual(want);
    expect(parseSysctlKey('net/ipv4/ip_forward')).toEqual(want);
    expect(parseSysctlKey('/proc/sys/net/ipv4/ip_forward')).toEqual(want);
  });

  test('a dot inside an interface name: "/" in dotted form (as sysctl(8)), literal in slash form', () => {
    const want = { key: 'net.ipv4.conf.eth0/100.arp_notify', path: '/proc/sys/net/ipv4/conf/eth0.100/arp_notify' };
    expect(parseSysctlKey('net.ipv4.conf.eth0/100.arp_notify')).toEqual(want);
    expect(parseSysctlKey('net/ipv4/conf/eth0.100/arp_notify')).toEqual(want);
  });

  test('keys with dashes and digits (net.bridge.bridge-nf-call-iptables)', () => {
    expect(parseSysctlKey('net.bridge.bridge-nf-call-iptables').path).toBe('/proc/sys/net/bridge/bridge-nf-call-iptables');
  });

  test.each(['kernel.hostname', 'vm.swappiness', 'fs.file-max', 'kernel/pid_max', '/proc/sys/vm/overcommit_memory', 'user.max_net_namespaces'])(
    'host-wide %s is refused',
    (k) => refused(() => parseSysctlKey(k), /host-wide/),
  );

  test.each(['net.core.netdev_max_backlog', 'net.core.bpf_jit_enable', 'net.ipv4.tcp_mem', 'net.nf_conntrack_max', 'net/ipv4/route/gc_thresh'])(
    'host-wide net key %s is refused',
    (k) => refused(() => parseSysctlKey(k), /host-wide/),
  );

  test('a key outside net is refused, with how to write it', () => {
    refused(() => parseSysctlKey('ipv4.ip_forward'), /only net\.\* keys/);
    refused(() => parseSysctlKey('foo'), /only net\.\* keys/);
    refused(() => parseSysctlKey('net'), /directory/);
  });

  test.each([
    ['net/ipv4/../../kernel/hostname', /"\." and "\.\."/],
    ['net/ipv4/conf/../ip_forward', /"\." and "\.\."/],
    ['net/./ipv4/ip_forward', /"\." and "\.\."/],
    ['net.ipv4.conf.../...arp_notify', /empty components/],
    ['net..ipv4.ip_forward', /empty components/],
    ['net.ipv4.ip_forward.', /empty components/],
    ['net//ipv4/ip_forward', /empty components/],
    ['', /non-empty/],
    ['net.ipv4.ip_forward\0', /NUL/],
    ['net.ipv4.ip forward', /cannot contain " "/],
    ['net.ipv4.ip_forward\n', /cannot contain "\\n"/],
    ['net.ipv4.ip_forward=1', /cannot contain "="/],
    ['net.ipv4.conf.*.arp_notify', /cannot contain "\*"/],
    ['net.ipv4.conf.eth0:1.arp_notify', /cannot contain ":"/],
    ['/etc/passwd', /absolute sysctl path/],
    ['/proc/sys/../../etc/passwd', /"\." and "\.\."/],
  ])('%j is refused', (k, pattern) => refused(() => parseSysctlKey(k), pattern));

  test.each([undefined, null, 1, {}, ['net.ipv4.ip_forward']])('%j (not a string) is an InvalidArgumentError, not a TypeError', (k) => {
    refused(() => parseSysctlKey(k), /is a string/);
  });
});

describe('parseSysctlPrefix', () => {
  test('defaults to net; accepts directories and keys', () => {
    expect(parseSysctlPrefix()).toEqual({ key: 'net', path: '/proc/sys/net' });
    expect(parseSysctlPrefix('net.ipv4.conf.eth0/100')).toEqual({ key: 'net.ipv4.conf.eth0/100', path: '/proc/sys/net/ipv4/conf/eth0.100' });
    refused(() => parseSysctlPrefix('kernel'), /host-wide/);
    refused(() => parseSysctlPrefix('net/../kernel'), /"\." and "\.\."/);
  });
});

describe('per-interface keys', () => {
  test('ipv4/ipv6 conf and neigh keys, dotted or slash', () => {
    expect(parseLinkSysctlKey('ipv4.arp_notify')).toEqual({ family: 'ipv4', table: 'conf', name: 'arp_notify' });
    expect(parseLinkSysctlKey('ipv6/accept_dad')).toEqual({ family: 'ipv6', table: 'conf', name: 'accept_dad' });
    expect(parseLinkSysctlKey('ipv6.neigh.retrans_time_ms')).toEqual({ family: 'ipv6', table: 'neigh', name: 'retrans_time_ms' });
  });

  test('the path holds the interface name as it is, dots included; the key spells them "/"', () => {
    const k = parseLinkSysctlKey('ipv4.arp_notify');
    expect(linkSysctlPath(k, 'eth0')).toEqual({ key: 'net.ipv4.conf.eth0.arp_notify', path: '/proc/sys/net/ipv4/conf/eth0/arp_notify' });
    expect(linkSysctlPath(k, 'eth0.100')).toEqual({ key: 'net.ipv4.conf.eth0/100.arp_notify', path: '/proc/sys/net/ipv4/conf/eth0.100/arp_notify' });
    expect(linkSysctlPath(parseLinkSysctlKey('ipv6.neigh.retrans_time_ms'), 'br-x').path).toBe('/proc/sys/net/ipv6/neigh/br-x/retrans_time_ms');
    // The resulting path parses back to the same file through the namespace-wide parser.
    expect(parseSysctlKey(linkSysctlPath(k, 'eth0.100').key).path).toBe('/proc/sys/net/ipv4/conf/eth0.100/arp_notify');
  });

  test.each(['net.ipv4.conf.eth0.arp_notify', 'ipv4', 'ipv4.conf.eth0.arp_notify', 'core.somaxconn', 'ipv4.neigh', 'ipv4/../../kernel', 'kernel.hostname'])(
    '%j is refused',
    (k) => refused(() => parseLinkSysctlKey(k), /./),
  );

  test('an interface name that could escape the directory is refused', () => {
    const k = parseLinkSysctlKey('ipv4.arp_notify');
    refused(() => linkSysctlPath(k, '..'), /interface name/);
    refused(() => linkSysctlPath(k, 'a/b'), /interface name/);
  });
});

describe('sysctlValueText', () => {
  test('written as sysctl(8) writes it: the text and a newline', () => {
    expect(sysctlValueText(1, 'k')).toBe('1\n');
    expect(sysctlValueText('1', 'k')).toBe('1\n');
    expect(sysctlValueText(-1, 'k')).toBe('-1\n');
    expect(sysctlValueText(true, 'k')).toBe('1\n');
    expect(sysctlValueText(false, 'k')).toBe('0\n');
    expect(sysctlValueText(10n, 'k')).toBe('10\n');
    expect(sysctlValueText([32768, 60999], 'k')).toBe('32768\t60999\n');
    expect(sysctlValueText('32768 60999', 'k')).toBe('32768 60999\n');
    expect(sysctlValueText('cubic', 'k')).toBe('cubic\n');
  });

  test.each([[''], [[]], [1.5], [NaN], [Infinity], ['1\n2'], ['a\0'], [null], [undefined], [{}], ['x'.repeat(4096)]])('%j is refused', (v) => {
    refused(() => sysctlValueText(v, 'net.ipv4.ip_forward'), /value of net\.ipv4\.ip_forward/);
  });
});
