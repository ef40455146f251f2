#!/usr/bin/env node
// Generates src/{netlink,rtnl,tun}/constants.ts from the kernel UAPI headers installed on this machine.
//
// Names come from scanning the headers; values come from the C compiler, never from parsing: many
// constants are enum members, expressions over other constants, or ioctl macros, and only the
// compiler evaluates all of those the way the kernel's users see them.
//
//   node tools/gen-constants.js           write the files
//   node tools/gen-constants.js --check   exit 1 if a committed constant is absent from, or differs in, the headers
//
// Plain Node, no dependencies; needs `cc` and the linux-libc-dev headers (Debian/Ubuntu).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const INC = '/usr/include';

// One compiling include set for every group. <net/if.h> is deliberately absent: it redefines the
// IFF_* device flags that <linux/if.h> declares as an enum, and the two cannot share a unit.
const INCLUDES = [
  'sys/socket.h', 'sys/ioctl.h', 'linux/netlink.h', 'linux/rtnetlink.h', 'linux/if.h',
  'linux/if_link.h', 'linux/if_addr.h', 'linux/neighbour.h', 'linux/if_tun.h', 'linux/veth.h',
  'linux/if_bridge.h', 'linux/net_namespace.h', 'linux/if_arp.h', 'linux/sockios.h', 'linux/icmpv6.h',
  'linux/if_tunnel.h', 'linux/if_bonding.h', 'linux/if_ether.h', 'linux/if_vlan.h', 'linux/in.h', 'asm/byteorder.h',
  'linux/netfilter.h', 'linux/netfilter/nfnetlink.h', 'linux/netfilter/nf_tables.h', 'linux/netfilter/nf_nat.h',
  'linux/netfilter/nfnetlink_conntrack.h', 'linux/netfilter/nf_conntrack_common.h',
];
// Names whose header value is a byte-swapped macro (not an integer constant expression for the
// compile-time check); evaluated through __be16_to_cpu instead. Filled from `be16` selectors.
const BE16 = new Set();
// Headers scanned for names. Selectors may narrow this (IFF_* means different things in if.h and
// if_tun.h, so each group scans only its own header for that prefix).
const SCANNED = INCLUDES.filter((h) => h.startsWith('linux/'));

// A selector is { prefix, headers? } (names scanned from the headers) or { names } (fixed names,
// typically libc macros like AF_* that no linux header defines). Output keeps selector order.
const GROUPS = [
  {
    file: 'src/netlink/constants.ts',
    selectors: [
      { prefix: 'NLMSG_', headers: ['linux/netlink.h'] },
      { prefix: 'NLM_F_', headers: ['linux/netlink.h'] },
      { prefix: 'NLMSGERR_ATTR_', headers: ['linux/netlink.h'] },
      { prefix: 'NLA_', headers: ['linux/netlink.h'] },
      { prefix: 'NETLINK_', headers: ['linux/netlink.h'] },
      { names: ['AF_NETLINK', 'SOL_NETLINK'] },
    ],
  },
  {
    file: 'src/rtnl/constants.ts',
    selectors: [
      ...['RTM_', 'RTNLGRP_', 'RTMGRP_', 'RTA_', 'RTAX_', 'RTN_', 'RTNH_F_', 'RT_SCOPE_', 'RT_TABLE_',
        'RTPROT_', 'RTEXT_FILTER_'].map((prefix) => ({ prefix, headers: ['linux/rtnetlink.h'] })),
      { prefix: 'IFF_', headers: ['linux/if.h'] },
      { prefix: 'IF_OPER_', headers: ['linux/if.h', 'linux/if_link.h'] },
      { prefix: 'IF_LINK_MODE_', headers: ['linux/if.h', 'linux/if_link.h'] },
      { prefix: 'IFLA_' },
      { prefix: 'VETH_INFO_' },
      // Link kind drivers (src/rtnl/kinds/): modes and flags of their IFLA_INFO_DATA.
      { prefix: 'MACVLAN_MODE_', headers: ['linux/if_link.h'] },
      { prefix: 'MACVLAN_FLAG_', headers: ['linux/if_link.h'] },
      { prefix: 'MACVLAN_MACADDR_', headers: ['linux/if_link.h'] },
      { prefix: 'IPVLAN_MODE_', headers: ['linux/if_link.h'] },
      { prefix: 'IPVLAN_F_', headers: ['linux/if_link.h'] },
      { prefix: 'VXLAN_DF_', headers: ['linux/if_link.h'] },
      { prefix: 'GENEVE_DF_', headers: ['linux/if_link.h'] },
      { prefix: 'IN6_ADDR_GEN_MODE_', headers: ['linux/if_link.h'] },
      { prefix: 'BOND_MODE_', headers: ['linux/if_bonding.h'] },
      { prefix: 'BOND_XMIT_POLICY_', headers: ['linux/if_bonding.h'] },
      { prefix: 'TUNNEL_ENCAP_', headers: ['linux/if_tunnel.h'] },
      { names: ['SIT_ISATAP', 'IPPROTO_IPIP', 'IPPROTO_IPV6', 'IPPROTO_MPLS'] },
      { prefix: 'VLAN_FLAG_', headers: ['linux/if_vlan.h'] },
      { names: ['ETH_P_8021Q', 'ETH_P_8021AD', 'ALTIFNAMSIZ'] },
      // Bits of the big-endian IFLA_GRE_[IO]FLAGS, as the field reads once byte-swapped to host order
      // (the schema declares it 'be'); the header defines them already swapped (__cpu_to_be16).
      { names: ['GRE_CSUM', 'GRE_KEY', 'GRE_SEQ'], be16: true },
      { prefix: 'BRIDGE_VLAN_INFO_' },
      { prefix: 'BRIDGE_FLAGS_' },
      { prefix: 'BRIDGE_MODE_' },
      { prefix: 'BR_STATE_' },
      { prefix: 'IFA_' },
      { prefix: 'IFAPROT_' },
      { prefix: 'NDA_' },
      { prefix: 'NUD_' },
      { prefix: 'NTF_' },
      { prefix: 'NETNSA_' },
      { prefix: 'ARPHRD_' },
      { prefix: 'ICMPV6_ROUTER_PREF_' },
      { names: ['AF_UNSPEC', 'AF_INET', 'AF_INET6', 'AF_BRIDGE', 'AF_PACKET'] },
      // Also in src/netlink/constants.ts. The hand-written file this replaced exported them here
      // for address/route code that reads `C.NLM_F_*`; dropping them would break that code.
      { names: ['NLM_F_REPLACE', 'NLM_F_APPEND'] },
    ],
  },
  {
    file: 'src/tun/constants.ts',
    selectors: [
      { prefix: 'IFF_', headers: ['linux/if_tun.h'] },
      { prefix: 'TUN_F_', headers: ['linux/if_tun.h'] },
      { prefix: 'TUNSET', headers: ['linux/if_tun.h'] },
      { prefix: 'TUNGET', headers: ['linux/if_tun.h'] },
      { names: ['TUN_TYPE_MASK', 'TUN_PKT_STRIP'] },
    ],
  },
  {
    file: 'src/nft/constants.ts',
    selectors: [
      { prefix: 'NFNL_', headers: ['linux/netfilter/nfnetlink.h'] },
      { prefix: 'NFNLGRP_', headers: ['linux/netfilter/nfnetlink.h'] },
      { names: ['NFNETLINK_V0', 'NETLINK_NETFILTER'] },
      { prefix: 'NFT_', headers: ['linux/netfilter/nf_tables.h'] },
      { prefix: 'NFTA_', headers: ['linux/netfilter/nf_tables.h'] },
      { prefix: 'NFPROTO_', headers: ['linux/netfilter.h'] },
      { prefix: 'NF_INET_', headers: ['linux/netfilter.h'] },
      { names: ['NF_DROP', 'NF_ACCEPT', 'NF_STOLEN', 'NF_QUEUE', 'NF_REPEAT', 'NF_STOP'] },
      { prefix: 'NF_NAT_RANGE_', headers: ['linux/netfilter/nf_nat.h'] },
      { names: ['AF_UNSPEC', 'AF_INET', 'AF_INET6', 'IPPROTO_TCP', 'IPPROTO_UDP', 'IPPROTO_ICMP', 'IPPROTO_ICMPV6', 'IPPROTO_SCTP'] },
    ],
  },
  {
    file: 'src/nft/conntrack-constants.ts',
    selectors: [
      { prefix: 'IPCTNL_MSG_', headers: ['linux/netfilter/nfnetlink_conntrack.h'] },
      { prefix: 'CTA_', headers: ['linux/netfilter/nfnetlink_conntrack.h'] },
      { prefix: 'IPS_', headers: ['linux/netfilter/nf_conntrack_common.h'] },
      { names: ['NFNL_SUBSYS_CTNETLINK', 'AF_INET', 'AF_INET6', 'IPPROTO_TCP', 'IPPROTO_UDP', 'IPPROTO_ICMP', 'IPPROTO_ICMPV6', 'IPPROTO_SCTP'] },
    ],
  },
];

// --- scanning -------------------------------------------------------------------------------

// Object-like #define names and enum member names, in header order. Function-like macros
// (`NAME(`) are skipped: they need arguments and have no value of their own.
function scanHeader(rel) {
  const text = fs.readFileSync(path.join(INC, rel), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, '')
    .replace(/\\\n/g, ' ');
  const names = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(?)/gm)) {
    if (!m[2]) names.push(m[1]);
  }
  // Enum bodies never contain braces in these headers, and some interleave `#define X X` lines,
  // which are dropped here (the #define pass already saw them).
  for (const m of text.matchAll(/\benum\b\s*\w*\s*\{([^}]*)\}/g)) {
    const body = m[1].replace(/^[ \t]*#.*$/gm, '');
    for (const item of body.split(',')) {
      const id = /^\s*([A-Za-z_]\w*)/.exec(item);
      if (id) names.push(id[1]);
    }
  }
  return names;
}

function selectNames(group, scans) {
  const seen = new Set();
  const out = [];
  for (const sel of group.selectors) {
    let names;
    if (sel.names) {
      names = sel.names;
      if (sel.be16) for (const n of names) BE16.add(n);
    }
    else {
      const all = (sel.headers ?? SCANNED).flatMap((h) => scans.get(h));
      names = all.filter((n) => n.startsWith(sel.prefix) && !n.startsWith('__')).sort();
    }
    // An empty selector is most likely a typo or a rename in newer headers; say so.
    if (names.length === 0) console.error(`${group.file}: nothing matches ${sel.prefix ?? sel.names}`);
    for (const n of names) if (!seen.has(n)) { seen.add(n); out.push(n); } // enum + #define twice
  }
  return out;
}

// --- evaluating -----------------------------------------------------------------------------

// _Generic picks signed or unsigned printing from the expression's own type, so ioctl numbers
// (unsigned long) are not sign-mangled and negative ints (NLA_TYPE_MASK) stay negative. It has
// no default branch on purpose: a macro that is not an integer (a string, a struct) fails to
// compile and is dropped rather than printed as garbage. The file-scope array proves each name is
// an integer constant expression, not something that merely happens to evaluate at run time.
function cSource(names) {
  const lines = INCLUDES.map((h) => `#include <${h}>`);
  lines.push('#include <stdio.h>',
    '#define U(x) printf("%llu\\n", (unsigned long long)(x))',
    '#define S(x) printf("%lld\\n", (long long)(x))',
    '#define P(x) _Generic((x), int: S(x), long: S(x), long long: S(x), unsigned int: U(x), ' +
      'unsigned long: U(x), unsigned long long: U(x))',
    'int main(void) {');
  const first = lines.length + 1; // 1-based line of the first name, for mapping errors back
  names.forEach((n, i) =>
    lines.push(BE16.has(n) ? `  { P((unsigned int)__be16_to_cpu(${n})); }` : `  { static char c${i}[(${n}) == (${n}) ? 1 : -1]; (void)c${i}; P(${n}); }`));
  lines.push('  return 0;', '}', '');
  return { text: lines.join('\n'), first };
}

function compile(dir, names) {
  const { text, first } = cSource(names);
  const src = path.join(dir, 'c.c');
  const exe = path.join(dir, 'c');
  fs.writeFileSync(src, text);
  const r = spawnSync('cc', ['-std=gnu11', '-o', exe, src], { encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr ?? String(r.error), src, exe, first };
}

// Returns { values: Map(name -> BigInt), dropped: Map(name -> reason) }. One bad name must not
// sink the whole group, so errors are mapped back to their line; if gcc blames no line of ours
// (shouldn't happen) the names are bisected instead.
function evaluate(names) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-constants-'));
  const dropped = new Map();
  try {
    let live = names.slice();
    for (;;) {
      const r = compile(dir, live);
      if (r.ok) {
        const out = execFileSync(r.exe, { encoding: 'utf8' }).trim().split('\n');
        return { values: new Map(live.map((n, i) => [n, BigInt(out[i])])), dropped };
      }
      const bad = new Map();
      const esc = r.src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const m of r.stderr.matchAll(new RegExp(`^${esc}:(\\d+):\\d+: error: (.*)$`, 'gm'))) {
        const name = live[Number(m[1]) - r.first];
        if (name && !bad.has(name)) bad.set(name, m[2]);
      }
      if (bad.size === 0) {
        for (const n of bisect(dir, live)) bad.set(n, 'does not compile (found by bisection)');
        if (bad.size === 0) throw new Error(`cc fails outside the constants:\n${r.stderr}`);
      }
      for (const [n, why] of bad) dropped.set(n, why);
      live = live.filter((n) => !bad.has(n));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function bisect(dir, names) {
  if (compile(dir, names).ok) return [];
  if (names.length === 1) return names;
  const mid = names.length >> 1;
  return [...bisect(dir, names.slice(0, mid)), ...bisect(dir, names.slice(mid))];
}

// --- output ---------------------------------------------------------------------------------

function headersVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'linux-libc-dev'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function render(version, names, values) {
  const lines = [
    `// Generated by tools/gen-constants.js from the kernel UAPI headers (linux-libc-dev ${version}) — do not edit.`,
    '// Regenerate: node tools/gen-constants.js',
  ];
  for (const n of names) {
    if (!values.has(n)) continue;
    lines.push(`export const ${n} = ${values.get(n)};`);
  }
  return lines.join('\n') + '\n';
}

/** NAME -> value text of every `export const NAME = value;` line. */
function parseConstants(text) {
  const out = new Map();
  for (const m of text.matchAll(/^export const (\w+) = (-?\d+);$/gm)) out.set(m[1], m[2]);
  return out;
}

function main() {
  const check = process.argv.includes('--check');
  const scans = new Map(SCANNED.map((h) => [h, scanHeader(h)]));
  const version = headersVersion();
  let stale = 0;
  for (const group of GROUPS) {
    const names = selectNames(group, scans);
    const { values, dropped } = evaluate(names);
    // Numbers in JS are doubles; a value past 2^53 would silently lose bits, so refuse it.
    for (const [n, v] of values) {
      const limit = BigInt(Number.MAX_SAFE_INTEGER);
      if (v > limit || v < -limit) {
        dropped.set(n, `value ${v} does not fit in a JS number`);
        values.delete(n);
      }
    }
    const text = render(version, names, values);
    const file = path.join(ROOT, group.file);
    if (check) {
      // Every committed constant must exist in the headers with the same value. Names a newer
      // linux-libc-dev adds (CI runs apt-get) are reported, not failed: they are simply not used yet.
      const committed = parseConstants(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
      const current = parseConstants(text);
      const wrong = [...committed].filter(([n, v]) => current.get(n) !== v);
      for (const [n, v] of wrong) console.error(`${group.file}: ${n} = ${v} here, ${current.get(n) ?? 'absent'} in the UAPI headers`);
      if (wrong.length) stale++;
      const added = [...current.keys()].filter((n) => !committed.has(n));
      if (added.length) console.error(`${group.file}: ${added.length} constants in the headers are not generated yet (${added.slice(0, 5).join(', ')}...)`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`${group.file}: ${values.size} constants`);
    }
    for (const [n, why] of dropped) console.error(`${group.file}: dropped ${n}: ${why}`);
  }
  if (stale) process.exit(1);
}

main();
