// SPDX-License-Identifier: MIT
// Bridge VLAN and FDB requests against the bytes iproute2 sends. This kernel is built without bridge VLAN
// filtering, so these golden bytes are the proof that the requests are right.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../src/errors';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netlink/constants';
import { parseDatagram } from '../../src/netlink/message';
import { RTM_NEWNEIGH } from '../../src/rtnl/constants';
import { vlanRequest, VlanEntry } from '../../src/rtnl/bridge-ops';
import { fdbRequest } from '../../src/rtnl/fdb-ops';

/** As sent: the multiplexer adds NLM_F_REQUEST | NLM_F_ACK to every change. */
function sent(op: 'add' | 'delete', ifindex: number, vlans: VlanEntry[], self = false): Uint8Array {
  const b = vlanRequest(op, ifindex, vlans, self);
  b.flags |= NLM_F_REQUEST | NLM_F_ACK;
  return b.finish(1, 0);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const body = (h: string) => h.replace(/\s+/g, '').slice(16 * 2); // drop nlmsghdr (seq differs)

describe('bridge vlan requests', () => {
  test('add with pvid untagged = `bridge vlan add dev v0 vid 10 pvid untagged`', () => {
    // Captured on Linux 6.18 / iproute2 6.1: strace -e trace=sendmsg -e write=3 bridge vlan add dev v0 vid 10 pvid untagged
    // (v0 had ifindex 4).
    const ip = `2c000000 13000500 6c89036b 00000000
                07000000 04000000 00000000 00000000
                0c001a00 08000200 06000a00`;
    const ours = sent('add', 4, [{ vid: 10, pvid: true, untagged: true }]);
    expect(hex(ours).slice(0, 16)).toBe('2c00000013000500'); // len 44, RTM_SETLINK, REQUEST|ACK
    expect(body(hex(ours))).toBe(body(ip));
  });

  test('delete = `bridge vlan del dev v0 vid 10` (RTM_DELLINK, flags 0)', () => {
    const ours = sent('delete', 4, [{ vid: 10 }]);
    expect(ours[4]).toBe(17); // RTM_DELLINK
    expect(body(hex(ours))).toBe(body('2c0000001100050001000000000000000700000004000000000000000000000' + '00c001a000800020000000a00'));
  });

  test('on the bridge itself = `bridge vlan add dev br0 vid 20 self` (IFLA_BRIDGE_FLAGS first)', () => {
    const ours = sent('add', 3, [{ vid: 20 }], true);
    // af_spec(20) { flags(6) = BRIDGE_FLAGS_SELF, vlan_info(8) = { flags 0, vid 20 } }
    expect(hex(ours).slice(32 * 2)).toBe('14001a00' + '0600000002000000' + '0800020000001400');
  });
});

describe('bridge fdb requests', () => {
  // Captured on Linux 6.18 / iproute2 6.1 (v0 had ifindex 4), strace -e trace=sendmsg -e write=3:
  test('add = `bridge fdb add 02:00:00:00:00:aa dev v0 master static`', () => {
    const b = fdbRequest('add', { ifindex: 4, mac: '02:00:00:00:00:aa' });
    b.flags |= NLM_F_REQUEST | NLM_F_ACK;
    const ip = '28000000 1c000506 448f036b 00000000 07000000 04000000 42000400 0a000200 020000000 0aa0000'.replace(/\s+/g, '');
    expect(hex(b.finish(0x6b038f44, 0))).toBe(ip);
  });
  test('delete = `bridge fdb del 02:00:00:00:00:aa dev v0 master`', () => {
    const b = fdbRequest('delete', { ifindex: 4, mac: '02:00:00:00:00:aa' });
    b.flags |= NLM_F_REQUEST | NLM_F_ACK;
    const ip = '28000000 1d000500 448f036b 00000000 07000000 04000000 c0000400 0a000200 020000000 0aa0000'.replace(/\s+/g, '');
    expect(hex(b.finish(0x6b038f44, 0))).toBe(ip);
  });
});

describe('vxlan overlay fdb requests (a vxlan device\'s own entries)', () => {
  // test/fixtures/rtnl/fdb-vxlan-*.json, captured with strace by capture-all.sh.
  const lastNeigh = (name: string) => {
    const fx = JSON.parse(readFileSync(join(__dirname, '../fixtures/rtnl', `${name}.json`), 'utf8')) as { messages: { dir: string; type: number; hex: string }[] };
    const m = fx.messages.filter((x) => x.dir === 'send' && x.type === RTM_NEWNEIGH).pop()!;
    return { hex: m.hex, msg: parseDatagram(Uint8Array.from(Buffer.from(m.hex, 'hex')))[0]! };
  };
  const same = (name: string, spec: Parameters<typeof fdbRequest>[1]) => {
    const ip = lastNeigh(name);
    const b = fdbRequest('add', spec);
    b.flags = ip.msg.flags;
    expect(hex(b.finish(ip.msg.seq, ip.msg.pid))).toBe(ip.hex);
  };
  test('head-end replication = `bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.2 self`', () => {
    same('fdb-vxlan-append', { ifindex: 4, mac: '00:00:00:00:00:00', dst: '10.0.0.2', self: true, append: true, state: 'permanent' });
  });
  test('one MAC behind one endpoint = `bridge fdb add 02:00:00:00:00:aa dev vx0 dst 10.0.0.3 vni 42 port 4789 self permanent`', () => {
    same('fdb-vxlan-add', { ifindex: 4, mac: '02:00:00:00:00:aa', dst: '10.0.0.3', vni: 42, port: 4789, self: true, state: 'permanent' });
  });
  test('dst/vni/port without self, or append with replace, are refused before the kernel', () => {
    expect(() => fdbRequest('add', { ifindex: 4, mac: '00:00:00:00:00:00', dst: '10.0.0.2' })).toThrow(InvalidArgumentError);
    expect(() => fdbRequest('add', { ifindex: 4, mac: '00:00:00:00:00:00', self: true, append: true, replace: true })).toThrow(InvalidArgumentError);
    expect(() => fdbRequest('add', { ifindex: 4, mac: '00:00:00:00:00:00', self: true, dst: 'far away' })).toThrow(InvalidArgumentError);
  });
});
