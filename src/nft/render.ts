// SPDX-License-Identifier: MIT
// Renders a rule's expressions as `nft list` prints them (`ip saddr 10.88.0.0/16 ip daddr !=
// 10.88.0.0/16 masquerade`), by recognizing the sequences nft itself emits (see expr.ts). Anything
// else is shown as the raw expression (`[payload ...]`), never dropped or guessed at.

import { Values } from '../netlink/codec';
import { formatIp } from '../util/addr';
import * as C from './constants';
import { CT_STATES } from './expr';

interface ExprValue {
  name?: string;
  data?: Values | Uint8Array;
}

const L4_NAMES: Record<number, string> = { [C.IPPROTO_TCP]: 'tcp', [C.IPPROTO_UDP]: 'udp', [C.IPPROTO_SCTP]: 'sctp', [C.IPPROTO_ICMP]: 'icmp', [C.IPPROTO_ICMPV6]: 'ipv6-icmp' };
const valueOf = (cmp: Values | undefined): Uint8Array | undefined => ((cmp?.data as Values | undefined)?.value as Uint8Array | undefined);
const maskOf = (bitwise: Values): Uint8Array => ((bitwise.mask as Values | undefined)?.value as Uint8Array | undefined) ?? new Uint8Array();
const opText = (cmp: Values) => (cmp.op === C.NFT_CMP_NEQ ? '!= ' : '');
const be = (b: Uint8Array) => b.reduce((n, x) => n * 256 + x, 0);
const le32 = (b: Uint8Array) => (b.length === 4 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) : NaN);

function cidrText(bytes: Uint8Array, full: number, maskBits: number): string {
  const padded = new Uint8Array(full);
  padded.set(bytes.subarray(0, full));
  const addr = formatIp(padded);
  return maskBits === full * 8 ? addr : `${addr}/${maskBits}`;
}

function prefixOfMask(mask: Uint8Array): number | undefined {
  let bits = 0;
  let ended = false;
  for (const byte of mask) {
    for (let b = 7; b >= 0; b--) {
      const set = (byte >> b) & 1;
      if (set && ended) return undefined;
      if (set) bits++;
      else ended = true;
    }
  }
  return bits;
}

/**
 * `nft list` text of one rule's expressions; `tableFamily` decides how nat prints its family.
 * `counters: false` prints a counter without its values (to compare rules whatever they counted).
 */
export function renderRule(exprs: readonly ExprValue[], tableFamily: string, comment?: string, options: { counters?: boolean } = {}): string {
  const out: string[] = [];
  let l4: string | undefined;
  const at = (i: number) => exprs[i];
  const data = (i: number) => (at(i)?.data instanceof Uint8Array ? undefined : (at(i)?.data as Values | undefined));
  const is = (i: number, name: string) => at(i)?.name === name && data(i) !== undefined;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    const d = data(i);
    if (!d) {
      out.push(`[${e.name ?? '?'} ${e.data instanceof Uint8Array ? Buffer.from(e.data).toString('hex') : ''}]`.replace(/ \]$/, ']'));
      continue;
    }
    // meta KEY => reg 1, cmp
    if (e.name === 'meta' && d.dreg === C.NFT_REG_1 && is(i + 1, 'cmp')) {
      const c = data(i + 1)!;
      const v = valueOf(c)!;
      if (d.key === C.NFT_META_NFPROTO) {
        // Implied by an address match right after it, as nft prints it.
        const next = data(i + 2);
        const impliedByAddress = at(i + 2)?.name === 'payload' && next?.base === C.NFT_PAYLOAD_NETWORK_HEADER;
        if (!impliedByAddress) out.push(`meta nfproto ${opText(c)}${v[0] === C.NFPROTO_IPV4 ? 'ipv4' : v[0] === C.NFPROTO_IPV6 ? 'ipv6' : v[0]}`);
        i++;
        continue;
      }
      if (d.key === C.NFT_META_L4PROTO) {
        l4 = L4_NAMES[v[0]!] ?? String(v[0]);
        const next = data(i + 2);
        const impliedByPort = at(i + 2)?.name === 'payload' && next?.base === C.NFT_PAYLOAD_TRANSPORT_HEADER && c.op === C.NFT_CMP_EQ;
        if (!impliedByPort) out.push(`meta l4proto ${opText(c)}${l4}`);
        i++;
        continue;
      }
      if (d.key === C.NFT_META_IIFNAME || d.key === C.NFT_META_OIFNAME) {
        const end = v.indexOf(0);
        out.push(`${d.key === C.NFT_META_IIFNAME ? 'iifname' : 'oifname'} ${opText(c)}"${Buffer.from(end < 0 ? v : v.subarray(0, end)).toString('utf8')}"`);
        i++;
        continue;
      }
    }
    // payload load (network header: an address; transport: a port), optional bitwise, cmp
    if (e.name === 'payload' && d.dreg === C.NFT_REG_1 && d.sreg === undefined) {
      const masked = is(i + 1, 'bitwise') && is(i + 2, 'cmp');
      const c = masked ? data(i + 2) : is(i + 1, 'cmp') ? data(i + 1) : undefined;
      if (c) {
        const v = valueOf(c)!;
        const offset = d.offset as number;
        const len = d.len as number;
        if (d.base === C.NFT_PAYLOAD_NETWORK_HEADER && [12, 16, 8, 24].includes(offset)) {
          const v4 = offset === 12 || offset === 16;
          const full = v4 ? 4 : 16;
          const bits = masked ? prefixOfMask(maskOf(data(i + 1)!)) : len * 8;
          if (bits !== undefined && len <= full) {
            const field = offset === 12 || offset === 8 ? 'saddr' : 'daddr';
            out.push(`${v4 ? 'ip' : 'ip6'} ${field} ${opText(c)}${cidrText(v, full, bits)}`);
            i += masked ? 2 : 1;
            continue;
          }
        }
        if (d.base === C.NFT_PAYLOAD_TRANSPORT_HEADER && len === 2 && (offset === 0 || offset === 2) && !masked) {
          out.push(`${l4 ?? 'th'} ${offset === 0 ? 'sport' : 'dport'} ${opText(c)}${be(v)}`);
          i++;
          continue;
        }
      }
    }
    if (e.name === 'ct' && d.key === C.NFT_CT_STATE && is(i + 1, 'bitwise') && is(i + 2, 'cmp')) {
      const bits = le32(maskOf(data(i + 1)!));
      const names = Object.entries(CT_STATES).filter(([, b]) => bits & b).map(([n]) => n);
      // nft lists states in its own order: invalid, established, related, new, untracked.
      out.push(`ct state ${names.join(',')}`);
      i += 2;
      continue;
    }
    if (e.name === 'fib' && d.flags === C.NFTA_FIB_F_DADDR && d.result === C.NFT_FIB_RESULT_ADDRTYPE && is(i + 1, 'cmp')) {
      const type = le32(valueOf(data(i + 1)!)!);
      out.push(`fib daddr type ${opText(data(i + 1)!)}${type === 2 ? 'local' : type}`);
      i++;
      continue;
    }
    if (e.name === 'counter') {
      out.push(options.counters === false ? 'counter' : `counter packets ${d.packets ?? 0} bytes ${d.bytes ?? 0}`);
      continue;
    }
    if (e.name === 'masq') {
      out.push('masquerade');
      continue;
    }
    if (e.name === 'immediate' && d.dreg === C.NFT_REG_VERDICT) {
      const v = ((d.data as Values | undefined)?.verdict ?? {}) as Values;
      const code = v.code as number;
      const names: Record<number, string> = { [C.NF_ACCEPT]: 'accept', [C.NF_DROP]: 'drop', [C.NFT_RETURN]: 'return', [C.NFT_CONTINUE]: 'continue' };
      out.push(code === C.NFT_JUMP ? `jump ${v.chain}` : code === C.NFT_GOTO ? `goto ${v.chain}` : names[code] ?? `verdict ${code}`);
      continue;
    }
    // immediate address [, immediate port], nat
    if (e.name === 'immediate' && d.dreg === C.NFT_REG_1) {
      const withPort = is(i + 1, 'immediate') && data(i + 1)!.dreg === C.NFT_REG_2;
      const natAt = withPort ? i + 2 : i + 1;
      const n = is(natAt, 'nat') ? data(natAt)! : undefined;
      const addr = valueOf(d);
      if (n && addr && (addr.length === 4 || addr.length === 16)) {
        const v6 = n.family === C.NFPROTO_IPV6;
        const port = withPort ? be(valueOf(data(i + 1)) ?? new Uint8Array()) : undefined;
        const host = formatIp(addr);
        const to = port === undefined ? host : v6 ? `[${host}]:${port}` : `${host}:${port}`;
        const fam = tableFamily === 'inet' ? (v6 ? ' ip6' : ' ip') : '';
        out.push(`${n.type === C.NFT_NAT_SNAT ? 'snat' : 'dnat'}${fam} to ${to}`);
        i = natAt;
        continue;
      }
    }
    if (e.name === 'reject') {
      if (d.type === C.NFT_REJECT_TCP_RST) out.push('reject with tcp reset');
      else if (d.type === C.NFT_REJECT_ICMP_UNREACH && d.icmpCode === 3) out.push('reject with icmp port-unreachable');
      else if (d.type === C.NFT_REJECT_ICMP_UNREACH && d.icmpCode === 4) out.push('reject with icmpv6 port-unreachable');
      else if (d.type === C.NFT_REJECT_ICMPX_UNREACH && d.icmpCode === C.NFT_REJECT_ICMPX_PORT_UNREACH) out.push('reject');
      else out.push(`reject type ${d.type} code ${d.icmpCode}`);
      continue;
    }
    out.push(`[${e.name} ${JSON.stringify(d, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? String(v) : v))}]`);
  }
  if (comment !== undefined) out.push(`comment ${JSON.stringify(comment)}`);
  return out.join(' ');
}
