// SPDX-License-Identifier: MIT
// Firewall.apply: makes one owner's rules exactly a desired set, atomically, whatever else shares
// the table. Read the generation, dump the table, compare (rules as nft prints them, per chain;
// the kernel adds registers to nat expressions that a byte comparison would trip on), then one
// batch that names that generation: if anyone committed meanwhile the kernel refuses it whole
// (ERESTART) and the comparison starts again. Applying what is there already writes nothing.

import { NetlinkError, VnetkitError } from '../errors';
import { Connection } from '../netlink/connection';
import { NlMsg } from '../netlink/message';
import { BatchOp } from '../netlink/multiplexer';
import * as C from './constants';
import { batchMarker, decodeNft, FAMILIES, nftRequest } from './messages';
import { DesiredRule, desiredRules, RuleSpec } from './recipes';
import { renderRule } from './render';

/** What apply needs of a Firewall (kept off its public surface). */
export interface ApplyTarget {
  readonly table: string;
  readonly conn: Connection;
  ready: boolean;
  setupOps(): BatchOp[];
  newRuleOp(chain: string, expressions: RuleSpec['expressions'], owner: string | undefined, echo?: boolean): BatchOp;
  dumpRules(owner: string): Promise<{ chain: string; handle: bigint; text: string }[]>;
  /** Tests only: runs between the dump and the batch (to commit something there, say). */
  beforeCommit?: () => Promise<void>;
}

export interface ApplyResult {
  added: number;
  removed: number;
  /** Attempts made (more than 1 when another writer committed between a dump and its batch). */
  attempts: number;
}

const ATTEMPTS = 5;

async function generation(conn: Connection): Promise<number> {
  const reply = await conn.request(nftRequest(C.NFT_MSG_GETGEN, C.AF_UNSPEC, 0, {}), { op: 'NFT_MSG_GETGEN', describe: 'read the ruleset generation' });
  const m = reply.messages.find((x: NlMsg) => (x.type & 0xff) === C.NFT_MSG_NEWGEN);
  const id = m ? (decodeNft(m).attrs.id as number | undefined) : undefined;
  if (id === undefined) throw new VnetkitError('NFT_MSG_GETGEN: the kernel sent no generation id', 'EPROTO');
  return id;
}

export async function applyOwner(t: ApplyTarget, desired: readonly DesiredRule[], owner: string): Promise<ApplyResult> {
  const specs = desired.flatMap(desiredRules);
  for (let attempt = 1; ; attempt++) {
    const genid = await generation(t.conn);
    // Per chain, in order: the rules already there that begin the desired list stay; from the
    // first difference on, the owner's rules are deleted and the rest of the list appended. A
    // chain is read top to bottom, so keeping a matching rule out of its place would change what
    // the chain does (an accept moved behind a drop).
    const current = new Map<string, { chain: string; handle: bigint; text: string }[]>();
    for (const r of await t.dumpRules(owner)) current.set(r.chain, [...(current.get(r.chain) ?? []), r]);
    const wanted = new Map<string, RuleSpec[]>();
    for (const s of specs) wanted.set(s.chain, [...(wanted.get(s.chain) ?? []), s]);
    const adds: RuleSpec[] = [];
    const deletes: { chain: string; handle: bigint }[] = [];
    for (const chain of new Set([...current.keys(), ...wanted.keys()])) {
      const have = current.get(chain) ?? [];
      const want = wanted.get(chain) ?? [];
      let same = 0;
      while (same < have.length && same < want.length && have[same]!.text === renderRule(want[same]!.expressions, 'inet', owner, { counters: false })) same++;
      deletes.push(...have.slice(same));
      adds.push(...want.slice(same));
    }
    if (!adds.length && !deletes.length) return { added: 0, removed: 0, attempts: attempt };
    const ops: BatchOp[] = t.ready ? [] : t.setupOps();
    for (const d of deletes) {
      ops.push({
        builder: nftRequest(C.NFT_MSG_DELRULE, FAMILIES.inet, 0, { table: t.table, chain: d.chain, handle: d.handle }),
        opts: { op: 'NFT_MSG_DELRULE', describe: `delete rule inet ${t.table} ${d.chain} handle ${d.handle}` },
      });
    }
    // No echo: apply returns counts, not handles, and echoing each new rule is kernel work.
    for (const a of adds) ops.push(t.newRuleOp(a.chain, a.expressions, owner, false));
    await t.beforeCommit?.();
    try {
      await t.conn.batch(batchMarker(C.NFNL_MSG_BATCH_BEGIN, genid), ops, batchMarker(C.NFNL_MSG_BATCH_END));
      t.ready = true;
      return { added: adds.length, removed: deletes.length, attempts: attempt };
    } catch (e) {
      if (!(e instanceof NetlinkError && e.code === 'ERESTART')) throw e;
      if (attempt >= ATTEMPTS) {
        throw new VnetkitError(
          `apply rules of owner ${JSON.stringify(owner)} to inet ${t.table}: the ruleset changed under each of ${ATTEMPTS} attempts (ERESTART); another writer is busy, try again`,
          'ERESTART',
          { cause: e },
        );
      }
      // Jittered, so that two appliers racing each other do not keep colliding.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}
