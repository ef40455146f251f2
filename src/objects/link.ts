// SPDX-License-Identifier: MIT
// Link: one network device in one namespace, as `ip link` shows and changes it.

import { inspect } from 'node:util';
import { InvalidArgumentError, LinkNotFoundError, NetlinkError } from '../errors';
import { deleteLinks } from './bulk';
import { findPeer, moveLink } from './link-moves';
import { DecodedMessage, Values } from '../netlink/codec';
import { NlMsg, RequestBuilder } from '../netlink/message';
import * as C from '../rtnl/constants';
import { KindData, kindDriver, KnownLinkKind, LinkKind } from '../rtnl/kinds';
import { decodeLinkPayload, flagNames, linkInfoOf, summarizeLink, LinkStats, OperState, operStateName, toStats } from '../rtnl/link-ops';
import { deleteLinkRequest, setMasterRequest, setUpRequest } from '../rtnl/link-requests';
import { yieldIfBusy } from '../util/slices';
import { validateUint } from '../util/validate';
import { addrGenModeOf, AddrGenMode, altNameRequest, LinkChanges, linkChangeRequest } from '../rtnl/link-set';
import { createLink, resolveLink } from './link-create';
import { listLinks, readLink, sendLinkRequest, validateLinkRef } from './link-lookup';
import { LinkArg, LinkCreateOptions, LinkSetOptions } from './link-options';
import { Namespace, namespaceArg } from './namespace';

export type { LinkArg, LinkCreateOptions, LinkSetOptions } from './link-options';

export type LinkRef = string | number;

/** Which links `Link.list()` asks the kernel for. */
export interface LinkListFilter {
  /** Only links of this kind (IFLA_INFO_KIND: 'tun', 'veth', 'bridge', ...). */
  kind?: string;
  /** Only the ports of this master (a bridge, say). */
  master?: Link | number;
}

export class Link<K extends LinkKind = LinkKind> {
  /** Interface index (ifindex), unique within its namespace. */
  index: number;
  name: string;
  mtu: number;
  /** MAC address ('aa:bb:...'), or undefined for devices without one. */
  mac: string | undefined;
  /** Device flags by name: 'UP', 'BROADCAST', 'LOWER_UP', ... (IFF_*). */
  flags: string[];
  /** The raw IFF_* flag word. */
  flagBits: number;
  operState: OperState;
  /**
   * Link kind from IFLA_INFO_KIND ('veth', 'bridge', 'macvlan', ...); undefined for plain devices
   * such as lo. Kinds vnetkit has no driver for are reported as the kernel names them.
   */
  kind: K | undefined;
  /** Index of the master (bridge) this link is a port of. */
  masterIndex: number | undefined;
  /** IFLA_LINK: for a veth, the peer's index (in the namespace given by linkNetnsid). */
  parentIndex: number | undefined;
  /** IFLA_LINK_NETNSID: nsid (in this namespace) of the namespace where parentIndex lives. */
  linkNetnsid: number | undefined;
  group: number;
  txqlen: number | undefined;
  alias: string | undefined;
  /** ARPHRD_* hardware type. */
  type: number;
  /** The RTM_NEWLINK payload this state was read from (never a view into a big dump buffer). */
  private payload: Uint8Array;
  private decoded: DecodedMessage | undefined;

  /** @internal Built from an RTM_NEWLINK message of the kernel. */
  constructor(
    readonly namespace: Namespace,
    msg: NlMsg,
  ) {
    // A message that is most of its datagram (a reply to one request) is kept as it is; one of a
    // dump's many is copied, so keeping one link of a listing does not keep the whole buffer.
    const p = msg.payload;
    this.payload = p.buffer.byteLength <= 2 * p.byteLength + 64 ? p : new Uint8Array(p);
    // Only what the properties need is decoded now; `attributes` decodes the rest on first use.
    // Listing thousands of links then costs little CPU and leaves little for the GC.
    const { header, attrs } = summarizeLink(this.payload);
    const linkinfo = attrs.linkinfo as Values | undefined;
    this.index = header.index as number;
    this.flagBits = header.flags as number;
    this.flags = flagNames(this.flagBits);
    this.type = header.type as number;
    this.name = attrs.ifname as string;
    this.mtu = (attrs.mtu as number | undefined) ?? 0;
    this.mac = attrs.address as string | undefined;
    this.operState = operStateName(attrs.operstate as number | undefined);
    this.kind = linkinfo?.kind as K | undefined;
    this.masterIndex = attrs.master as number | undefined;
    this.parentIndex = attrs.link as number | undefined;
    this.linkNetnsid = attrs.linkNetnsid as number | undefined;
    this.group = (attrs.group as number | undefined) ?? 0;
    this.txqlen = attrs.txqlen as number | undefined;
    this.alias = attrs.ifalias as string | undefined;
  }

  /** Every attribute as decoded, unknown ones included (see `unknownAttributes`). */
  get attributes(): Values {
    this.decoded ??= decodeLinkPayload(this.payload);
    return this.decoded.attrs;
  }

  /** IFLA_LINKINFO alone (kind and kind-specific data): cheaper than `attributes.linkinfo`. */
  get linkInfo(): Values | undefined {
    return this.decoded ? (this.decoded.attrs.linkinfo as Values | undefined) : linkInfoOf(this.payload);
  }

  /**
   * The kind's own settings (IFLA_INFO_DATA) as its driver decodes them: `{ mode: 'bridge', ... }`
   * for a macvlan, `{ vni, remote, dstport, ... }` for a vxlan. Undefined for links without a
   * kind; the decoded attributes (or raw bytes) for kinds vnetkit has no driver for.
   */
  get data(): KindData<K> | undefined {
    const info = this.linkInfo;
    if (!info || this.kind === undefined) return undefined;
    const driver = kindDriver(this.kind);
    if (!driver) return info.data as KindData<K> | undefined;
    return driver.decode((info.data as Values | undefined) ?? {}) as KindData<K>;
  }

  /** True when this link is of `kind`; narrows `data` to that kind's view. */
  isKind<T extends KnownLinkKind>(kind: T): this is Link<T> {
    return this.kind === (kind as string);
  }

  /** Interface counters as of the last read (`refresh()` re-reads them). */
  get stats(): LinkStats | undefined {
    return toStats(this.attributes.stats64 as Values | undefined);
  }

  /** True when the administrative UP flag is set. */
  get isUp(): boolean {
    return (this.flagBits & C.IFF_UP) !== 0;
  }


  /**
   * Lists the links of a namespace (an RTM_GETLINK dump); `filter` has the kernel send only links
   * of one kind, or the ports of one master.
   *
   * Equivalent to: `ip -d link show [type KIND] [master DEV]`
   */
  static list(namespace?: Namespace, filter: LinkListFilter = {}): Promise<Link[]> {
    return listLinks(namespace, filter);
  }


  /**
   * Finds one link by name or index; rejects with LinkNotFoundError (code ENODEV) if there is none.
   *
   * Equivalent to: `ip -d link show dev NAME`
   */
  static async get(ref: LinkRef, namespace?: Namespace): Promise<Link> {
    validateLinkRef(ref);
    namespace = namespaceArg(namespace, 'namespace');
    await yieldIfBusy();
    return Link.read(ref, namespace);
  }

  /**
   * @internal Link.get without the burst gate (yieldIfBusy), for a step inside an operation that
   * already passed it (VethPair.create reading its peer). Such steps run as continuations of
   * replies, which reach JS a few at a time already; queued at the gate behind every operation of
   * a burst not yet started, each kept its operation's state alive (and in the GC's way) until
   * the whole burst had been let through.
   */
  static read(ref: LinkRef, namespace: Namespace): Promise<Link> {
    return readLink(ref, namespace);
  }


  /**
   * Creates a link of any kind; `data` holds the kind's own options, typed per kind. Kinds that sit
   * on another device (macvlan, macvtap, ipvlan, vlan) take `parent`, which may be in another
   * namespace than the new link (see LinkCreateOptions.parent). A kind the kernel lacks fails with
   * KernelFeatureError; bad options fail with InvalidArgumentError before anything is sent.
   *
   * Equivalent to: `ip link add NAME [link PARENT] [netns NS] [mtu M] [address MAC] type KIND [kind options]`
   */
  static create<T extends LinkKind>(opts: LinkCreateOptions<T>): Promise<Link<T>> {
    return createLink(opts);
  }

  /** @internal The same kernel state as a subclass (Bridge.create, Bridge.open). */
  static fromLink<T extends Link>(this: new (ns: Namespace, msg: NlMsg) => T, link: Link): T {
    return new this(link.namespace, { len: 0, type: C.RTM_NEWLINK, flags: 0, seq: 0, pid: 0, payload: link.payload });
  }

  /**
   * @internal The link a create request with NLM_F_ECHO made, from the reply (each message is
   * decoded once); kernels before 6.1 echo nothing, and then this reads it by name.
   */
  static async fromEcho(ns: Namespace, msgs: readonly NlMsg[], name: string): Promise<Link> {
    for (const m of msgs) {
      if (m.type !== C.RTM_NEWLINK) continue;
      const link = new Link(ns, m);
      if (link.name === name) return link;
    }
    return Link.read(name, ns);
  }

  private async change(req: RequestBuilder, describe: string): Promise<void> {
    await yieldIfBusy();
    const name = this.name; // as it is now: a rename may be what is being sent
    await sendLinkRequest(this.namespace, req, { op: 'RTM_NEWLINK', describe: () => `${describe} on ${JSON.stringify(name)}` });
  }

  /**
   * Sets the administrative state up. `flags` and `isUp` are updated here without reading the
   * link back: carrier (LOWER_UP) and `operState` follow asynchronously in the kernel (linkwatch),
   * so a read right after would not show them reliably anyway; `refresh()` reads them when wanted.
   * (Not reading back saves a request per link in bulk bring-ups.)
   *
   * Equivalent to: `ip link set dev NAME up`
   */
  async setUp(): Promise<void> {
    await this.change(setUpRequest(this.index, true), 'set up');
    this.setFlagBits(this.flagBits | C.IFF_UP);
  }

  /**
   * Sets the administrative state down. `flags` and `isUp` are updated here without a read: a
   * device that is not running has no RUNNING, LOWER_UP or DORMANT flag either (dev_get_flags).
   *
   * Equivalent to: `ip link set dev NAME down`
   */
  async setDown(): Promise<void> {
    await this.change(setUpRequest(this.index, false), 'set down');
    this.setFlagBits(this.flagBits & ~(C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP | C.IFF_DORMANT));
  }

  private setFlagBits(bits: number): void {
    this.flagBits = bits >>> 0;
    this.flags = flagNames(this.flagBits);
  }

  /**
   * Changes what `ip link set` changes, in one request (all or nothing): MTU, MAC, name, txqlen,
   * group, alias, promisc, allmulti, arp, carrier, addrGenMode, and the kind's own options
   * (`data`). Reads the link back.
   *
   * Equivalent to: `ip link set dev NAME [mtu M] [address MAC] [name NEW] [txqlen N] [group G] [alias A] [promisc on|off] [allmulticast on|off] [arp on|off] [carrier on|off] [addrgenmode MODE] [type KIND OPTIONS]`
   */
  async set(changes: LinkSetOptions<K>): Promise<void> {
    const req = linkChangeRequest(this.index, this.kind, changes as LinkChanges);
    if (!req) return;
    await yieldIfBusy();
    const name = this.name; // as it is now: a rename may be what is being sent
    const what = Object.keys(changes).join(', ');
    await sendLinkRequest(this.namespace, req, { op: 'RTM_NEWLINK', describe: () => `set ${what} on ${JSON.stringify(name)}` });
    await this.refresh();
  }

  /** Alternative names (`ip link property add ... altname`); a link can be looked up by any of them. */
  get altNames(): string[] {
    return (((this.attributes.propList as Values | undefined)?.altIfname as string[] | undefined) ?? []).slice();
  }

  /** How the link makes its IPv6 link-local address ('eui64', 'none', 'stable-privacy', 'random'). */
  get addrGenMode(): AddrGenMode | number | undefined {
    return addrGenModeOf(this.attributes);
  }

  /**
   * Adds alternative names (up to 127 bytes each); `Link.get` finds the link by any of them.
   *
   * Equivalent to: `ip link property add dev NAME altname ALT [altname ALT2 ...]`
   */
  async addAltNames(...names: string[]): Promise<void> {
    await this.altNames_('add', names);
  }

  /**
   * Removes alternative names.
   *
   * Equivalent to: `ip link property del dev NAME altname ALT`
   */
  async removeAltNames(...names: string[]): Promise<void> {
    await this.altNames_('delete', names);
  }

  private async altNames_(op: 'add' | 'delete', names: string[]): Promise<void> {
    const req = altNameRequest(op, this.index, names);
    await yieldIfBusy();
    const name = this.name;
    await sendLinkRequest(this.namespace, req, { op: op === 'add' ? 'RTM_NEWLINKPROP' : 'RTM_DELLINKPROP', describe: () => `${op} altname ${names.join(', ')} on ${JSON.stringify(name)}` });
    await this.refresh();
  }

  /**
   * Deletes the link (for a veth, both ends go).
   *
   * Equivalent to: `ip link del dev NAME`
   */
  async delete(): Promise<void> {
    await yieldIfBusy();
    const req = deleteLinkRequest(this.index);
    try {
      await sendLinkRequest(this.namespace, req, { op: 'RTM_DELLINK', describe: `delete ${JSON.stringify(this.name)}` });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') throw new LinkNotFoundError(this.name, this.namespace.label, e);
      throw e;
    }
  }

  /**
   * Re-reads this link's state and counters from the kernel.
   *
   * Equivalent to: `ip -s -d link show dev NAME`
   */
  async refresh(): Promise<this> {
    Object.assign(this, await Link.get(this.index, this.namespace));
    return this;
  }

  /**
   * Deletes many links with one kernel wait instead of one per link (see bulk.ts): the links are
   * tagged with a fresh device group, then deleted by group. Links in several namespaces are
   * handled per namespace, in parallel. Resolves with the number deleted (links already gone are
   * skipped).
   *
   * Equivalent to: `ip link set dev X group G` for each, then `ip link del group G`
   */
  static deleteMany(links: readonly Link[]): Promise<number> {
    return deleteLinks(links);
  }

  /**
   * Moves the link to another namespace (optionally renaming it there) and returns it as seen there.
   * `{ pid }` is the namespace a process is in (opened by pid, so the returned link's `namespace`
   * is a new handle; close it when done). Devices the kernel keeps in their namespace (lo,
   * bridges, ...) give NetnsImmutableError.
   *
   * Equivalent to: `ip link set dev NAME netns NS|PID [name NEW]`
   */
  async moveTo(namespace: Namespace | { pid: number }, options?: { name?: string }): Promise<Link> {
    const pid = namespace instanceof Namespace || namespace === null || typeof namespace !== 'object' ? undefined : (namespace as { pid?: unknown }).pid;
    if (pid === undefined) return moveLink(this, namespace as Namespace, options);
    const target = await Namespace.fromPid(validateUint(pid, 'pid', 1, 0x7fffffff));
    try {
      return await moveLink(this, target, options);
    } catch (e) {
      await target.close();
      throw e;
    }
  }

  /**
   * The other end of a veth, and the namespace it is in.
   *
   * Equivalent to: `ip -d link show dev NAME` (`link/ether ... link-netnsid N`, `NAME@ifPEER`)
   */
  peer(): Promise<{ link: Link; namespace: Namespace }> {
    return findPeer(this);
  }

  /**
   * Makes this link a port of `master` (a Bridge, a bond, or a link name or index in this link's
   * namespace), or detaches it with null.
   *
   * Equivalent to: `ip link set dev NAME master BR` / `ip link set dev NAME nomaster`
   */
  async setMaster(master: LinkArg | null): Promise<void> {
    const m = master === null ? null : await resolveLink(master, 'master', this.namespace);
    if (m && !m.namespace.equals(this.namespace)) {
      throw new InvalidArgumentError('master', m.name, `it is in ${m.namespace.label} and ${JSON.stringify(this.name)} is in ${this.namespace.label}; a port must be in its master's namespace`);
    }
    await this.change(setMasterRequest(this.index, m ? m.index : 0), m ? `set master ${JSON.stringify(m.name)}` : 'set nomaster');
    await this.refresh();
  }

  /**
   * Deletes the link if it still exists, for `await using link = await Link.create(...)`: a link
   * made for a scope goes with it (for a veth, both ends).
   *
   * Equivalent to: `ip link del dev NAME` (no error if it is gone)
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.delete().catch((e: unknown) => {
      if (!(e instanceof LinkNotFoundError)) throw e;
    });
  }

  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }

  toJSON(): Record<string, unknown> {
    return {
      index: this.index,
      name: this.name,
      kind: this.kind,
      mtu: this.mtu,
      mac: this.mac,
      flags: this.flags,
      operState: this.operState,
      masterIndex: this.masterIndex,
      parentIndex: this.parentIndex,
      linkNetnsid: this.linkNetnsid,
      group: this.group,
    };
  }
}

export { deleteLinkGroup } from './bulk';
