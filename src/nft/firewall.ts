// SPDX-License-Identifier: MIT
// A namespace's firewall and NAT through one nf_tables table that this library owns (default
// `inet vnetkit`), over a NETLINK_NETFILTER socket opened inside the namespace. Rules carry an owner
// tag (their comment), so many containers (and processes) share the table without touching each
// other's rules; tables of others (iptables-nft's, nft's) are never written.

import { InvalidArgumentError, VnetkitError } from '../errors';
import { Connection } from '../netlink/connection';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_ECHO } from '../netlink/constants';
import { NlMsg } from '../netlink/message';
import { BatchOp } from '../netlink/multiplexer';
import { Namespace, namespaceArg } from '../objects/namespace';
import * as C from './constants';
import * as X from './expr';
import { ApplyResult, applyOwner } from './apply';
import * as R from './recipes';
import { BASE_CHAINS, DesiredRule, MasqueradeOptions, PortMapOptions, RuleOptions, SnatOptions } from './recipes';
import { batchMarker, commentOf, commentUserdata, FAMILIES, MAX_COMMENT, nftMsgName, nftRequest, pickNft, readExpressions } from './messages';
import { CallBatcher } from './call-batcher';
import { renderRule } from './render';
import { readRuleset } from './ruleset';
import { openNetfilter } from './socket';

/** An owner tag: the rule's comment, which nft shows (so no NUL, which would cut it short). */
function ownerArg(owner: unknown): string {
  if (typeof owner !== 'string' || owner === '' || owner.includes('\0') || Buffer.byteLength(owner) > MAX_COMMENT) {
    throw new InvalidArgumentError('owner', owner, `an owner tag is a non-empty string of at most ${MAX_COMMENT} bytes, without NUL`);
  }
  return owner;
}

/** What a listing decodes of each rule at once; its expressions wait until asked for. */
const RULE_SUMMARY = { chain: true, handle: true, userdata: true } as const;

export interface FirewallOptions {
  /** Table name (default 'vnetkit'). */
  table?: string;
  /**
   * 'persistent' (default): the table outlives this process, as container NAT must.
   * 'process': the table belongs to this handle's socket (NFT_TABLE_F_OWNER) and the kernel
   * deletes it when the socket closes, even if the process crashes. Other sockets cannot change it.
   */
  lifetime?: 'persistent' | 'process';
}

/** One rule of the table, as the kernel holds it. */
export class FirewallRule {
  private decoded: readonly { name?: string; data?: unknown }[] | undefined;
  /** @internal `source` is the expressions, or the rule message to decode them from when first asked. */
  constructor(
    private readonly firewall: Firewall,
    readonly chain: string,
    readonly handle: bigint,
    readonly owner: string | undefined,
    private source: readonly { name?: string; data?: unknown }[] | NlMsg,
  ) {}

  /**
   * The decoded expressions (name and data; an expression vnetkit does not describe as raw bytes).
   * Decoded on first use: listing thousands of rules to find one owner's should not decode them all.
   */
  get expressions(): readonly { name?: string; data?: unknown }[] {
    if (!this.decoded) {
      const s = this.source;
      this.decoded = Array.isArray(s) ? s : readExpressions(s as NlMsg);
      this.source = [];
    }
    return this.decoded!;
  }

  /** The rule as `nft list` prints it. */
  toString(): string {
    return renderRule(this.expressions as never, this.firewall.family, this.owner);
  }

  /** Deletes this rule. Equivalent to: `nft delete rule inet vnetkit CHAIN handle H` */
  remove(): Promise<void> {
    return this.firewall.remove([this]).then(() => undefined);
  }
}

export class Firewall {
  readonly family = 'inet';
  /** @internal */
  ready = false;
  private closed = false;
  // Calls made together share a batch; the table's setup goes with the first one (and again if
  // someone else deleted the table).
  private readonly calls = new CallBatcher(this);

  private constructor(
    readonly namespace: Namespace,
    readonly table: string,
    /** @internal */
    readonly conn: Connection,
    private readonly lifetime: 'persistent' | 'process',
  ) {}

  /**
   * Every table, chain and rule of a namespace, of every family and owner (iptables-nft's too),
   * read-only: as data, and as `nft list ruleset` prints it (`String(ruleset)`).
   *
   * Equivalent to: `ip netns exec NS nft list ruleset`
   */
  static ruleset(namespace?: Namespace): ReturnType<typeof readRuleset> {
    return readRuleset(namespace);
  }

  /**
   * A handle on the table `options.table` (default `inet vnetkit`) of a namespace. Nothing is
   * written until the first rule: then the table and its six base chains are made, in one batch.
   *
   * Equivalent to: `ip netns exec NS nft add table inet vnetkit` (on first use)
   */
  static async open(namespace?: Namespace, options: FirewallOptions = {}): Promise<Firewall> {
    const ns = namespaceArg(namespace, 'namespace');
    const table = options.table ?? 'vnetkit';
    if (typeof table !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/.test(table)) {
      throw new InvalidArgumentError('table', table, 'a table name is a letter followed by up to 31 letters, digits, "_", "." or "-"');
    }
    const lifetime = options.lifetime ?? 'persistent';
    if (lifetime !== 'persistent' && lifetime !== 'process') throw new InvalidArgumentError('lifetime', lifetime, "expected 'persistent' or 'process'");
    // Room for batches of thousands of rules, and their answers.
    const conn = await openNetfilter(ns, { sndbuf: 8 << 20, rcvbuf: 8 << 20 });
    return new Firewall(ns, table, conn, lifetime);
  }

  private tableAttrs() {
    return { name: this.table, flags: this.lifetime === 'process' ? C.NFT_TABLE_F_OWNER : 0 };
  }

  /**
   * @internal The table and its base chains, sent with the first write of this handle (NEWTABLE and
   * NEWCHAIN without EXCL are idempotent). No policy: on a chain that exists, NEWCHAIN would reset
   * the one another handle set (`setPolicy`); a new base chain starts at accept anyway.
   */
  setupOps(): BatchOp[] {
    const fam = FAMILIES.inet;
    const ops: BatchOp[] = [{ builder: nftRequest(C.NFT_MSG_NEWTABLE, fam, 0, this.tableAttrs()), opts: { op: 'NFT_MSG_NEWTABLE', describe: `add table inet ${this.table}` } }];
    for (const [name, c] of Object.entries(BASE_CHAINS)) {
      ops.push({
        builder: nftRequest(C.NFT_MSG_NEWCHAIN, fam, NLM_F_CREATE, { table: this.table, name, type: c.type, hook: { hooknum: c.hook, priority: c.priority } }),
        opts: { op: 'NFT_MSG_NEWCHAIN', describe: `add chain inet ${this.table} ${name} (${c.type}, priority ${c.priority})` },
      });
    }
    return ops;
  }

  /**
   * Adds a rule built from typed parts. Calls made together go to the kernel in one batch.
   *
   * Equivalent to: `nft add rule inet vnetkit CHAIN ... comment OWNER`
   */
  async addRule(rule: RuleOptions): Promise<FirewallRule> {
    const [r] = R.filterRules(rule);
    return this.add(r!.chain, r!.expressions, rule.owner);
  }

  /**
   * Source NAT to the outgoing interface's address for `source` (a CIDR), except toward `source`
   * itself (traffic staying on the bridge), as CNI's ipMasq and netavark do.
   *
   * Equivalent to: `nft add rule inet vnetkit postrouting ip saddr S ip daddr != S [oifname O] masquerade comment OWNER`
   */
  async masquerade(options: MasqueradeOptions & { owner?: string }): Promise<FirewallRule> {
    const [r] = R.masqueradeRules(options);
    return this.add(r!.chain, r!.expressions, options.owner);
  }

  /**
   * Source NAT of `source` to the address `to`.
   *
   * Equivalent to: `nft add rule inet vnetkit postrouting ip saddr S [oifname O] snat ip to ADDR comment OWNER`
   */
  async snat(options: SnatOptions & { owner?: string }): Promise<FirewallRule> {
    const [r] = R.snatRules(options);
    return this.add(r!.chain, r!.expressions, options.owner);
  }

  /**
   * A host port forwarded to a container, as CNI's portmap does: DNAT of traffic to a local address
   * (or `hostIp`) arriving from outside (prerouting) and made on the host itself (nat-output), and
   * masquerades for the connections that would otherwise bypass the reverse NAT: from containers of
   * `hairpinSource` (default: the container itself) back to the container, and from the host's
   * 127.0.0.0/8 (which also needs `route_localnet` on the container's host-side interface). Resolves
   * with the four rules; `remove()` each, or `removeOwner(owner)`.
   *
   * Equivalent to: `nft add rule inet vnetkit prerouting fib daddr type local tcp dport P dnat ip to C:CP` (and nat-output, postrouting)
   */
  async portMap(options: PortMapOptions & { owner?: string }): Promise<FirewallRule[]> {
    // One call of four messages: they stand or fall together.
    return this.addAll(R.portMapRules(options), options?.owner);
  }

  private add(chain: string, expressions: X.Expr[], owner: string | undefined): Promise<FirewallRule> {
    return this.addAll([{ chain: chain as R.FirewallChain, expressions }], owner).then((rules) => rules[0]!);
  }

  /** Rules added by one call: in one batch with the calls made alongside, all of them or none. */
  private addAll(specs: readonly R.RuleSpec[], owner: string | undefined): Promise<FirewallRule[]> {
    if (owner !== undefined) ownerArg(owner);
    return this.enqueue(
      () => specs.map((s) => this.newRuleOp(s.chain, s.expressions, owner)),
      (echoes) => specs.map((s, i) => this.ruleFromEcho(echoes[i]!, s.chain, owner, s.expressions)),
    );
  }

  private enqueue<T>(build: () => BatchOp[], result: (echoes: NlMsg[][]) => T): Promise<T> {
    if (this.closed) return Promise.reject(new VnetkitError(`the firewall handle of ${this.namespace.label} is closed`, 'ERR_CLOSED'));
    return this.calls.enqueue(build, result);
  }

  /**
   * @internal NEWRULE appending to `chain`; echoed (unless `echo` is false) so that the new rule's
   * handle comes back without a dump. A builder serves one request.
   */
  newRuleOp(chain: string, expressions: X.Expr[], owner: string | undefined, echo = true): BatchOp {
    const attrs: Record<string, unknown> = { table: this.table, chain, expressions: { elem: expressions } };
    if (owner !== undefined) attrs.userdata = commentUserdata(owner);
    return {
      builder: nftRequest(C.NFT_MSG_NEWRULE, FAMILIES.inet, NLM_F_CREATE | NLM_F_APPEND | (echo ? NLM_F_ECHO : 0), attrs),
      opts: { op: 'NFT_MSG_NEWRULE', describe: () => `add rule inet ${this.table} ${chain} ${renderRule(expressions, this.family, owner)}` },
    };
  }

  /** @internal One batch: BEGIN, `ops`, END. */
  send(ops: BatchOp[]): Promise<NlMsg[][]> {
    return this.conn.batch(batchMarker(C.NFNL_MSG_BATCH_BEGIN), ops, batchMarker(C.NFNL_MSG_BATCH_END));
  }

  private ruleFromEcho(echo: NlMsg[], chain: string, owner: string | undefined, expressions: X.Expr[]): FirewallRule {
    const m = echo.find((x) => (x.type & 0xff) === C.NFT_MSG_NEWRULE);
    const handle = m ? (pickNft(m, { handle: true }).handle as bigint | undefined) : undefined;
    if (handle === undefined) throw new VnetkitError(`${nftMsgName(C.NFT_MSG_NEWRULE)}: the kernel echoed no handle for the new rule`, 'EPROTO');
    return new FirewallRule(this, chain, handle, owner, expressions);
  }

  /**
   * Every rule of this table, in chain order, with its handle and owner.
   *
   * Equivalent to: `nft -a list table inet vnetkit`
   */
  async rules(): Promise<FirewallRule[]> {
    const reply = await this.conn
      .request(nftRequest(C.NFT_MSG_GETRULE, FAMILIES.inet, 0, { table: this.table }), { op: 'NFT_MSG_GETRULE', dump: true, describe: `list rules of inet ${this.table}` })
      .catch((e: { code?: string }) => (e.code === 'ENOENT' ? { messages: [] } : Promise.reject(e)));
    return reply.messages
      .filter((m) => (m.type & 0xff) === C.NFT_MSG_NEWRULE)
      .map((m) => {
        const a = pickNft(m, RULE_SUMMARY);
        // The message's payload is a view of a shared delivery buffer: kept as a copy.
        const own = { ...m, payload: Uint8Array.from(m.payload) };
        return new FirewallRule(this, a.chain as string, a.handle as bigint, commentOf(a.userdata as Uint8Array | undefined), own);
      });
  }

  /**
   * Makes the rules tagged `owner` exactly `desired`, in one atomic batch, leaving every other
   * owner's rules alone: rules already there stay (with their handles and counters), missing ones
   * are added, others of that owner deleted. Applying the same set again writes nothing. Should
   * another writer commit between the read and the write, the kernel refuses the batch (ERESTART)
   * and it is worked out again, up to 5 times.
   *
   * Equivalent to: `nft -f FILE` with the owner's `delete rule ... handle H` and `add rule ...` lines
   */
  async apply(desired: readonly DesiredRule[], options: { owner: string }): Promise<ApplyResult> {
    if (!Array.isArray(desired)) throw new InvalidArgumentError('desired', desired, 'expected an array of { masquerade } | { snat } | { portMap } | { rule }');
    return applyOwner(this, desired, ownerArg(options?.owner));
  }

  /** @internal One owner's rules as apply compares them (only theirs are decoded). */
  async dumpRules(owner: string): Promise<{ chain: string; handle: bigint; text: string }[]> {
    return (await this.rules())
      .filter((r) => r.owner === owner)
      .map((r) => ({ chain: r.chain, handle: r.handle, text: renderRule(r.expressions as never, this.family, r.owner, { counters: false }) }));
  }

  /** @internal Tests only: runs between apply's read and its batch. */
  beforeCommit?: () => Promise<void>;

  /**
   * Deletes rules (as returned by the calls that made them, or by `rules()`) by handle, all or none:
   * no dump, so removing a container's rules costs one round trip. Calls made together share a batch.
   *
   * Equivalent to: `nft delete rule inet vnetkit CHAIN handle H` for each
   */
  async remove(rules: readonly FirewallRule[]): Promise<number> {
    if (!Array.isArray(rules) || rules.some((r) => !(r instanceof FirewallRule))) {
      throw new InvalidArgumentError('rules', rules, 'expected an array of FirewallRule (from rules(), addRule(), masquerade(), portMap() ...)');
    }
    if (!rules.length) return 0;
    const build = () =>
      rules.map((r) => ({
        builder: nftRequest(C.NFT_MSG_DELRULE, FAMILIES.inet, 0, { table: this.table, chain: r.chain, handle: r.handle }),
        opts: { op: 'NFT_MSG_DELRULE', describe: `delete rule inet ${this.table} ${r.chain} handle ${r.handle}` },
      }));
    return this.enqueue(build, () => rules.length);
  }

  /**
   * Deletes every rule tagged `owner` (a container's, after a crash, say) in one batch; resolves
   * with how many.
   *
   * Equivalent to: `nft delete rule inet vnetkit CHAIN handle H` for each rule commented OWNER
   */
  async removeOwner(owner: string): Promise<number> {
    ownerArg(owner);
    return this.remove((await this.rules()).filter((r) => r.owner === owner));
  }

  /** The owner tags in use in this table. Equivalent to: `nft list table inet vnetkit` (comments) */
  async owners(): Promise<string[]> {
    return [...new Set((await this.rules()).flatMap((r) => (r.owner === undefined ? [] : [r.owner])))].sort();
  }

  /**
   * Sets the default policy of a filter chain (input, forward, output).
   *
   * Equivalent to: `nft chain inet vnetkit CHAIN { policy drop; }`
   */
  async setPolicy(chain: 'input' | 'forward' | 'output', policy: 'accept' | 'drop'): Promise<void> {
    const c = BASE_CHAINS[chain];
    if (!c || c.type !== 'filter') throw new InvalidArgumentError('chain', chain, "expected 'input', 'forward' or 'output'");
    if (policy !== 'accept' && policy !== 'drop') throw new InvalidArgumentError('policy', policy, "expected 'accept' or 'drop'");
    const ops = this.ready ? [] : this.setupOps();
    ops.push({
      builder: nftRequest(C.NFT_MSG_NEWCHAIN, FAMILIES.inet, NLM_F_CREATE, { table: this.table, name: chain, type: c.type, policy: policy === 'accept' ? C.NF_ACCEPT : C.NF_DROP, hook: { hooknum: c.hook, priority: c.priority } }),
      opts: { op: 'NFT_MSG_NEWCHAIN', describe: `set policy ${policy} on chain inet ${this.table} ${chain}` },
    });
    await this.send(ops);
    this.ready = true;
  }

  /**
   * Deletes the whole table, with every rule of every owner. Absent already: nothing happens.
   *
   * Equivalent to: `nft destroy table inet vnetkit`
   */
  async delete(): Promise<void> {
    await this.send([{ builder: nftRequest(C.NFT_MSG_DELTABLE, FAMILIES.inet, 0, { name: this.table }), opts: { op: 'NFT_MSG_DELTABLE', describe: `delete table inet ${this.table}` } }]).catch(
      (e: { code?: string }) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)),
    );
    this.ready = false;
  }

  /** Closes the socket (a `lifetime: 'process'` table goes with it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

