// SPDX-License-Identifier: MIT
// nf_tables golden bytes (test/fixtures/nft, captured from `nft -f` with strace; the nft file of each
// is in its notes): every table, chain and rule message decodes and re-encodes to nft's bytes, and
// vnetkit's own builders produce those bytes for the same objects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writer } from '../../src/netlink/buffer';
import { decodeMessageBody, encodeMessageBody } from '../../src/netlink/codec';
import { parseDatagram } from '../../src/netlink/message';
import * as C from '../../src/nft/constants';
import { schemaOf } from '../../src/nft/messages';

interface Fixture {
  name: string;
  notes: string;
  messages: { dir: 'send' | 'recv'; type: number; flags: number; hex: string }[];
}

const dir = join(__dirname, '../fixtures/nft');
export const nftFixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const KNOWN = new Set([C.NFT_MSG_NEWTABLE, C.NFT_MSG_NEWCHAIN, C.NFT_MSG_NEWRULE, C.NFT_MSG_NEWGEN]);

describe('nf_tables golden fixtures', () => {
  const cases = nftFixtures.flatMap((f) =>
    f.messages
      .filter((m) => m.type >> 8 === C.NFNL_SUBSYS_NFTABLES && KNOWN.has(m.type & 0xff))
      .map((m, i) => [`${f.name} #${i} ${m.dir} type ${m.type & 0xff}`, m] as const),
  );
  test('there are table, chain and rule messages to check', () => {
    expect(cases.filter(([, m]) => (m.type & 0xff) === C.NFT_MSG_NEWRULE && m.dir === 'send').length).toBeGreaterThanOrEqual(10);
  });
  test.each(cases)('%s decodes and re-encodes to the same bytes', (_name, m) => {
    const [msg] = parseDatagram(Uint8Array.from(Buffer.from(m.hex, 'hex')));
    const schema = schemaOf(msg!.type & 0xff);
    const d = decodeMessageBody(schema, msg!.payload, 16);
    const w = new Writer(msg!.payload.length);
    encodeMessageBody(schema, d.header, d.attrs, w);
    expect(hex(w.finish())).toBe(hex(msg!.payload));
  });
});

// The rules of the fixtures, built with vnetkit's typed builders, and the line `nft list ruleset`
// (nft 1.0.6) printed for each: one entry per NEWRULE that nft sent, in order.
import * as X from '../../src/nft/expr';
import { commentOf, decodeNft, FAMILIES, nftRequest, readExpressions } from '../../src/nft/messages';
import { renderRule } from '../../src/nft/render';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST } from '../../src/netlink/constants';

const RULES: Record<string, { chain: string; build: () => X.Expr[]; comment?: string; nft: string }[]> = {
  masquerade: [
    {
      chain: 'postrouting',
      build: () => X.joinExprs([X.address('saddr', '10.88.0.0/16'), X.address('daddr', '10.88.0.0/16', true), X.masquerade()]),
      comment: 'ctr1',
      nft: 'ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade comment "ctr1"',
    },
    {
      chain: 'postrouting',
      build: () => X.joinExprs([X.address('saddr', '10.88.0.0/20'), X.ifname('oifname', 'eth0'), X.masquerade()]),
      nft: 'ip saddr 10.88.0.0/20 oifname "eth0" masquerade',
    },
    {
      chain: 'postrouting',
      build: () => X.joinExprs([X.address('saddr', 'fd00::/64'), X.address('daddr', 'fd00::/64', true), X.masquerade()]),
      nft: 'ip6 saddr fd00::/64 ip6 daddr != fd00::/64 masquerade',
    },
  ],
  dnat: [
    {
      chain: 'prerouting',
      build: () => X.joinExprs([X.nfproto('ipv4'), X.fibDaddrLocal(), X.port('tcp', 'dport', 8080), X.nat('dnat', '10.88.0.2', 80)]),
      comment: 'ctr1',
      nft: 'meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.88.0.2:80 comment "ctr1"',
    },
    {
      chain: 'prerouting',
      build: () => X.joinExprs([X.address('daddr', '192.0.2.1'), X.port('udp', 'dport', 53), X.nat('dnat', '10.88.0.3')]),
      nft: 'ip daddr 192.0.2.1 udp dport 53 dnat ip to 10.88.0.3',
    },
    {
      chain: 'prerouting',
      build: () => X.joinExprs([X.nfproto('ipv6'), X.port('tcp', 'dport', 8080), X.nat('dnat', 'fd00::2', 80)]),
      nft: 'meta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd00::2]:80',
    },
  ],
  filter: [
    { chain: 'forward', build: () => X.joinExprs([X.ctState(['established', 'related']), X.verdict('accept')]), nft: 'ct state established,related accept' },
    {
      chain: 'forward',
      build: () => X.joinExprs([X.ifname('iifname', 'br0'), X.port('tcp', 'dport', 22), X.verdict('drop')]),
      nft: 'iifname "br0" tcp dport 22 drop',
    },
    {
      chain: 'forward',
      build: () => X.joinExprs([X.address('saddr', '10.0.0.1'), X.counter(), X.reject('icmp', 'ipv4')]),
      nft: 'ip saddr 10.0.0.1 counter packets 0 bytes 0 reject with icmp port-unreachable',
    },
    { chain: 'forward', build: () => X.joinExprs([X.ifname('oifname', 'eth1'), X.verdict('return')]), nft: 'oifname "eth1" return' },
  ],
};

describe('vnetkit builds the bytes nft sends, and renders them as nft lists them', () => {
  const cases = Object.entries(RULES).flatMap(([name, rules]) => {
    const sent = nftFixtures.find((f) => f.name === name)!.messages.filter((m) => m.dir === 'send' && m.type === ((C.NFNL_SUBSYS_NFTABLES << 8) | C.NFT_MSG_NEWRULE));
    return rules.map((r, i) => [`${name} rule ${i + 1}: ${r.nft}`, r, sent[i]!] as const);
  });
  test.each(cases)('%s', (_name, rule, fixture) => {
    expect(fixture).toBeDefined();
    const [msg] = parseDatagram(Uint8Array.from(Buffer.from(fixture.hex, 'hex')));
    const attrs: Record<string, unknown> = { table: 'vnetkit', chain: rule.chain, expressions: { elem: rule.build() } };
    if (rule.comment) attrs.userdata = Uint8Array.from([0, rule.comment.length + 1, ...Buffer.from(rule.comment), 0]);
    const ours = nftRequest(C.NFT_MSG_NEWRULE, FAMILIES.inet, NLM_F_CREATE | NLM_F_APPEND, attrs).finish(msg!.seq);
    expect(hex(ours.subarray(16))).toBe(hex(msg!.payload));
    // NLM_F_REQUEST is added by the multiplexer when it sends.
    expect(ours[6]! | (ours[7]! << 8) | NLM_F_REQUEST).toBe(fixture.flags);
    const decoded = decodeNft(msg!).attrs;
    const exprs = (decoded.expressions as { elem: { name: string; data: never }[] }).elem;
    expect(renderRule(exprs, 'inet', commentOf(decoded.userdata as Uint8Array | undefined))).toBe(rule.nft);
    // The lean reader used for dumps sees the same expressions.
    expect(renderRule(readExpressions(msg!), 'inet', commentOf(decoded.userdata as Uint8Array | undefined))).toBe(rule.nft);
  });
});
