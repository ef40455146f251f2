// SPDX-License-Identifier: MIT
// The whole rule set of a namespace, every table of every family (iptables-nft's, nft's, other
// programs'), read-only: what `nft list ruleset` prints. Nothing here writes.

import { Connection } from '../netlink/connection';
import { NlMsg } from '../netlink/message';
import { Namespace, namespaceArg } from '../objects/namespace';
import * as C from './constants';
import { commentOf, familyName, nftRequest, pickNft, readExpressions } from './messages';
import { renderRule } from './render';
import { openNetfilter } from './socket';

export interface RulesetRule {
  handle: bigint;
  comment?: string;
  /** As `nft list` prints it; expressions vnetkit does not describe (iptables-nft's compat `match`/`target`) show raw. */
  text: string;
}

export interface RulesetChain {
  name: string;
  /** For a base chain: its type, hook, priority and policy. */
  base?: { type: string; hook: string; priority: number; policy: 'accept' | 'drop' };
  rules: RulesetRule[];
}

export interface RulesetTable {
  family: string;
  name: string;
  flags: number;
  chains: RulesetChain[];
}

const HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** nft's names for the standard priorities of a hook (a number otherwise). */
function priorityText(type: string, hook: string, p: number): string {
  if (type === 'nat' && hook === 'prerouting' && p === -100) return 'dstnat';
  if (type === 'nat' && hook === 'postrouting' && p === 100) return 'srcnat';
  const named: Record<number, string> = { 0: 'filter', [-150]: 'mangle', [-300]: 'raw', 50: 'security' };
  return type === 'nat' ? String(p) : named[p] ?? String(p);
}

async function dump(conn: Connection, msg: number, what: string): Promise<NlMsg[]> {
  const reply = await conn.request(nftRequest(msg, C.NFPROTO_UNSPEC, 0, {}), { op: what, dump: true, describe: `${what} of every family` });
  return reply.messages;
}

/**
 * Every table, chain and rule of a namespace, as data and (`toString()`) as `nft list ruleset` prints it.
 *
 * Equivalent to: `ip netns exec NS nft list ruleset`
 */
export async function readRuleset(namespace?: Namespace): Promise<{ tables: RulesetTable[]; toString(): string }> {
  const ns = namespaceArg(namespace, 'namespace');
  const conn = await openNetfilter(ns, { rcvbuf: 8 << 20 });
  try {
    const [tables, chains, rules] = [
      await dump(conn, C.NFT_MSG_GETTABLE, 'NFT_MSG_GETTABLE'),
      await dump(conn, C.NFT_MSG_GETCHAIN, 'NFT_MSG_GETCHAIN'),
      await dump(conn, C.NFT_MSG_GETRULE, 'NFT_MSG_GETRULE'),
    ];
    const out: RulesetTable[] = [];
    const byKey = new Map<string, RulesetTable>();
    const key = (family: number, table: string) => `${family}/${table}`;
    for (const m of tables) {
      const a = pickNft(m, { name: true, flags: true });
      const t: RulesetTable = { family: familyName(m.payload[0]!), name: a.name as string, flags: (a.flags as number | undefined) ?? 0, chains: [] };
      out.push(t);
      byKey.set(key(m.payload[0]!, t.name), t);
    }
    const chainsByKey = new Map<string, RulesetChain>();
    for (const m of chains) {
      const a = pickNft(m, { table: true, name: true, type: true, policy: true, hook: { hooknum: true, priority: true } });
      const c: RulesetChain = { name: a.name as string, rules: [] };
      const hook = a.hook as { hooknum?: number; priority?: number } | undefined;
      if (hook?.hooknum !== undefined) {
        c.base = { type: (a.type as string | undefined) ?? 'filter', hook: HOOKS[hook.hooknum] ?? `hook ${hook.hooknum}`, priority: hook.priority ?? 0, policy: a.policy === C.NF_DROP ? 'drop' : 'accept' };
      }
      byKey.get(key(m.payload[0]!, a.table as string))?.chains.push(c);
      chainsByKey.set(`${key(m.payload[0]!, a.table as string)}/${c.name}`, c);
    }
    for (const m of rules) {
      const a = pickNft(m, { table: true, chain: true, handle: true, userdata: true });
      const comment = commentOf(a.userdata as Uint8Array | undefined);
      const family = familyName(m.payload[0]!);
      const rule: RulesetRule = { handle: a.handle as bigint, text: renderRule(readExpressions(m) as never, family, comment) };
      if (comment !== undefined) rule.comment = comment;
      chainsByKey.get(`${key(m.payload[0]!, a.table as string)}/${a.chain as string}`)?.rules.push(rule);
    }
    return { tables: out, toString: () => renderRuleset(out) };
  } finally {
    await conn.close();
  }
}

function renderRuleset(tables: readonly RulesetTable[]): string {
  return tables
    .map((t) => {
      const chains = t.chains.map((c) => {
        const lines = [`\tchain ${c.name} {`];
        if (c.base) lines.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${priorityText(c.base.type, c.base.hook, c.base.priority)}; policy ${c.base.policy};`);
        for (const r of c.rules) lines.push(`\t\t${r.text}`);
        lines.push('\t}');
        return lines.join('\n');
      });
      return `table ${t.family} ${t.name} {\n${chains.join('\n\n')}${chains.length ? '\n' : ''}}\n`;
    })
    .join('');
}
