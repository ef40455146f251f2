// SPDX-License-Identifier: MIT
// Bridge: brctl and `bridge` parity over rtnetlink (IFLA_INFO_KIND "bridge" with IFLA_BR_* options,
// ports through IFLA_MASTER and IFLA_INFO_SLAVE_DATA, VLANs through AF_BRIDGE IFLA_AF_SPEC).

import { InvalidArgumentError, KernelFeatureError, NetlinkError } from '../errors';
import { RequestBuilder } from '../netlink/message';
import { vlanRequest, VlanEntry } from '../rtnl/bridge-ops';
import { dumpFdbRequest, FdbEntry, fdbRequest, FdbSpec, parseFdb } from '../rtnl/fdb-ops';
import * as C from '../rtnl/constants';
import { bridgeOptionsRequest, bridgePortRequest } from '../rtnl/link-requests';
import { validateUint } from '../util/validate';
import { BridgeData } from '../rtnl/kinds/bridge';
import { BridgeOptions, bridgeOptionsFrom, BridgePortOptions, PortInfo, portInfoFrom, portAttrs } from '../rtnl/kinds/bridge-options';
import { LinkKind } from '../rtnl/kinds';
import { Link, LinkArg, LinkCreateOptions, LinkSetOptions } from './link';
import { resolveLink } from './link-create';
import { Namespace } from './namespace';

export interface BridgeCreateOptions extends BridgeOptions {
  namespace?: Namespace;
  mtu?: number;
  mac?: string;
  /** Bring the bridge up in the same request. */
  up?: boolean;
  /** Device group (IFLA_GROUP), e.g. for `ns.deleteLinks({ group })` later. */
  group?: number;
}

/** Changes accepted by `bridge.set()`: bridge options and any link option (mtu, name, ...). */
export type BridgeSetOptions = BridgeOptions & Omit<LinkSetOptions<'bridge'>, 'data'>;

const BRIDGE_KEYS = new Set(['stp', 'forwardDelay', 'helloTime', 'maxAge', 'ageingTime', 'priority', 'vlanFiltering', 'vlanDefaultPvid', 'multicastSnooping']);

export interface BridgePort extends PortInfo {
  link: Link;
  name: string;
  index: number;
}

/** What the kernel says when a bridge option needs a feature it was built without. */
function featureError(err: unknown, o: BridgeOptions): unknown {
  if (err instanceof NetlinkError && err.code === 'EOPNOTSUPP' && (o.vlanFiltering || o.vlanDefaultPvid !== undefined)) {
    const init = { errno: err.errno, op: err.op, ...(err.request ? { request: err.request } : {}), ...(err.extack ? { extack: err.extack } : {}) };
    return new KernelFeatureError(init, 'bridge VLAN filtering', 'The running kernel is built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)');
  }
  return err;
}

/**
 * A bridge is a Link (addresses, up/down, MTU, master, `await using`) with the bridge's own
 * options, ports, VLANs and forwarding database.
 */
export class Bridge extends Link<'bridge'> {
  /** The bridge itself, for callers that take a `{ link }` holder (as a TunTap is). */
  get link(): Link<'bridge'> {
    return this;
  }

  /**
   * Creates a bridge with only the options given.
   *
   * Equivalent to: `ip link add NAME type bridge [stp_state 1] [forward_delay N] ...` / `brctl addbr NAME`
   */
  static override create(name: string, options?: BridgeCreateOptions): Promise<Bridge>;
  /** Link.create's form (any kind); a bridge made this way is returned as a Bridge. */
  static override create<T extends LinkKind>(options: LinkCreateOptions<T>): Promise<Link<T>>;
  static override async create(nameOrOptions: string | LinkCreateOptions, options: BridgeCreateOptions = {}): Promise<Link> {
    if (typeof nameOrOptions !== 'string') {
      const link = await Link.create(nameOrOptions);
      return link.isKind('bridge') ? Bridge.fromLink(link) : link;
    }
    const name = nameOrOptions;
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'expected bridge options { stp?, forwardDelay?, ... }');
    const { namespace, mtu, mac, up, group, ...data } = options;
    try {
      const link = await Link.create({
        kind: 'bridge',
        name,
        ...(namespace ? { namespace } : {}),
        ...(mtu !== undefined ? { mtu } : {}),
        ...(mac !== undefined ? { mac } : {}),
        ...(up ? { up: true } : {}),
        ...(group !== undefined ? { group } : {}),
        data,
      });
      return Bridge.fromLink(link);
    } catch (e) {
      throw featureError(e, options);
    }
  }

  /**
   * Opens an existing bridge; a link of another kind is refused.
   *
   * Equivalent to: `ip -d link show NAME type bridge`
   */
  static async open(name: string, namespace?: Namespace): Promise<Bridge> {
    const link = await Link.get(name, namespace);
    if (link.kind !== 'bridge') throw new InvalidArgumentError('name', name, `"${name}" is a ${link.kind ?? 'plain'} link, not a bridge`);
    return Bridge.fromLink(link);
  }

  /**
   * Changes only the options given: bridge options and link options (mtu, name, ...) alike.
   *
   * Equivalent to: `ip link set NAME [mtu M ...] type bridge stp_state 1 ...` / `brctl stp NAME on`
   */
  override async set(changes: BridgeSetOptions): Promise<void> {
    const options: BridgeOptions = {};
    const linkChanges: LinkSetOptions<'bridge'> = {};
    for (const [k, v] of Object.entries(changes ?? {})) (BRIDGE_KEYS.has(k) ? (options as Record<string, unknown>) : (linkChanges as Record<string, unknown>))[k] = v;
    if (Object.keys(linkChanges).length) await super.set(linkChanges);
    if (Object.keys(options).length) await this.setBridge(options);
  }

  private async setBridge(options: BridgeOptions): Promise<void> {
    const wasOn = (await this.options()).stp;
    const req = bridgeOptionsRequest(this.index, options, options.stp ?? wasOn);
    if (!req) return;
    // The kernel applies IFLA_BR_FORWARD_DELAY before IFLA_BR_STP_STATE and checks the delay
    // against the STP state it still has; turning STP off therefore goes first, on its own, and
    // is undone if the rest is refused.
    const { stp, ...rest } = options;
    const stpOffFirst = stp === false && wasOn && Object.values(rest).some((v) => v !== undefined);
    if (stpOffFirst) await this.send(bridgeOptionsRequest(this.index, { stp: false }, false)!, 'set stp');
    try {
      await this.send(stpOffFirst ? bridgeOptionsRequest(this.index, rest, false)! : req, `set ${Object.keys(options).join(', ')}`);
    } catch (e) {
      if (stpOffFirst) await this.send(bridgeOptionsRequest(this.index, { stp: true }, true)!, 'restore stp').catch(() => undefined);
      throw featureError(e, options);
    } finally {
      await this.refresh();
    }
  }

  private async send(req: RequestBuilder, what: string): Promise<void> {
    const conn = await this.namespace.connection();
    await conn.request(req, { op: 'RTM_NEWLINK', describe: `${what} on bridge ${JSON.stringify(this.name)}` });
  }

  /**
   * The bridge's options as the kernel has them (times in seconds), with its bridge and root ids.
   *
   * Equivalent to: `ip -d link show NAME` (stp_state, forward_delay, priority, ...)
   */
  async options(): Promise<BridgeData> {
    await this.refresh();
    return this.data ?? bridgeOptionsFrom({});
  }

  /**
   * Makes `link` a port of this bridge, optionally with port options, in one request.
   *
   * Equivalent to: `ip link set dev PORT master NAME` / `brctl addif NAME PORT`
   */
  async addPort(port: LinkArg, options: BridgePortOptions = {}): Promise<void> {
    const link = await resolveLink(port, 'port', this.namespace);
    if (!link.namespace.equals(this.namespace)) {
      throw new InvalidArgumentError('port', link.name, `it is in ${link.namespace.label} and bridge ${JSON.stringify(this.name)} is in ${this.namespace.label}; move it first (link.moveTo)`);
    }
    if (link.index === this.index) throw new InvalidArgumentError('port', link.name, 'a bridge cannot be a port of itself');
    await link.refresh();
    if (link.masterIndex !== undefined && link.masterIndex !== this.index) {
      const other = await Link.get(link.masterIndex, this.namespace).then((l) => l.name, () => `index ${link.masterIndex}`);
      throw new InvalidArgumentError('port', link.name, `it is already a port of ${JSON.stringify(other)}; remove it there first`);
    }
    await link.setMaster(this);
    if (Object.keys(portAttrs(options)).length) await this.setPort(link, options);
  }

  /** Releases a port. Equivalent to: `ip link set dev PORT nomaster` / `brctl delif NAME PORT` */
  async removePort(port: LinkArg): Promise<void> {
    const link = await resolveLink(port, 'port', this.namespace);
    await link.refresh();
    if (link.masterIndex !== this.index) throw new InvalidArgumentError('port', link.name, `it is not a port of ${JSON.stringify(this.name)}`);
    await link.setMaster(null);
  }

  /**
   * Sets port options (hairpin, learning, flood, isolated, guard, cost, priority, ...).
   *
   * Equivalent to: `ip link set dev PORT type bridge_slave learning off ...` / `bridge link set dev PORT ...`
   */
  async setPort(port: LinkArg, options: BridgePortOptions): Promise<void> {
    const link = await resolveLink(port, 'port', this.namespace);
    const req = bridgePortRequest(link.index, options);
    if (!req) return;
    const conn = await this.namespace.connection();
    await conn.request(req, {
      op: 'RTM_NEWLINK',
      describe: `set ${Object.keys(options).join(', ')} on port ${JSON.stringify(link.name)} of ${JSON.stringify(this.name)}`,
    });
  }

  /**
   * Ports with their STP state, cost, priority and flags.
   *
   * Equivalent to: `bridge -d link show master NAME`
   */
  async ports(): Promise<BridgePort[]> {
    const all = await this.namespace.links();
    return all
      .filter((l) => l.masterIndex === this.index)
      .map((l) => {
        const info = l.linkInfo;
        return { link: l, name: l.name, index: l.index, ...portInfoFrom((info?.slaveData as Record<string, unknown>) ?? {}) };
      });
  }

  /**
   * The `brctl show` view.
   *
   * Equivalent to: `brctl show NAME`
   */
  async show(): Promise<{ name: string; bridgeId: string; stp: boolean; interfaces: string[] }> {
    const [opts, ports] = await Promise.all([this.options(), this.ports()]);
    return { name: this.name, bridgeId: opts.bridgeId, stp: opts.stp, interfaces: ports.map((p) => p.name).sort() };
  }

  /**
   * Adds VLANs to a port (or with `self`, to the bridge itself). Needs vlan_filtering, and a kernel
   * built with bridge VLAN filtering (KernelFeatureError otherwise).
   *
   * Equivalent to: `bridge vlan add dev PORT vid N [pvid] [untagged] [self]`
   */
  addVlan(port: LinkArg | 'self', vlan: VlanEntry | number): Promise<void> {
    return this.vlanOp('add', port, vlan);
  }

  /** Removes VLANs. Equivalent to: `bridge vlan del dev PORT vid N` */
  removeVlan(port: LinkArg | 'self', vid: number): Promise<void> {
    return this.vlanOp('delete', port, vid);
  }

  private async vlanOp(op: 'add' | 'delete', port: LinkArg | 'self', vlan: VlanEntry | number): Promise<void> {
    const entry = typeof vlan === 'number' ? { vid: vlan } : vlan;
    if (entry === null || typeof entry !== 'object') throw new InvalidArgumentError('vlan', vlan, 'expected a VLAN id or { vid, pvid?, untagged? }');
    validateUint(entry.vid, 'vid', 1, 4094);
    const self = port === 'self';
    const link = self ? this : await resolveLink(port, 'port', this.namespace);
    const conn = await this.namespace.connection();
    try {
      await conn.request(vlanRequest(op, link.index, [entry], self), {
        op: op === 'add' ? 'RTM_SETLINK' : 'RTM_DELLINK',
        describe: `${op} vlan ${entry.vid} on ${JSON.stringify(link.name)}`,
      });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP') throw featureError(e, { vlanFiltering: true });
      throw e;
    }
  }

  /**
   * The forwarding database: learned, static and local entries of this bridge's ports.
   *
   * Equivalent to: `bridge fdb show br NAME`
   */
  async fdb(): Promise<FdbEntry[]> {
    const conn = await this.namespace.connection();
    const reply = await conn.request(dumpFdbRequest(this.index), { op: 'RTM_GETNEIGH', dump: true, describe: `list fdb of ${JSON.stringify(this.name)}` });
    return reply.messages.filter((m) => m.type === C.RTM_NEWNEIGH).map(parseFdb).filter((e): e is FdbEntry => e !== undefined);
  }

  /**
   * Adds a static (or permanent) FDB entry: frames for `mac` leave through `port`. With `self`,
   * the entry goes to the port's own table instead: for a vxlan port, `dst` (and `vni`, `port`)
   * say which remote endpoint the MAC is behind, and `append` with the all-zeros MAC adds one
   * more endpoint to flood broadcast and unknown frames to (an overlay across hosts).
   *
   * Equivalent to: `bridge fdb add MAC dev PORT master static [vlan N]` /
   * `bridge fdb append 00:00:00:00:00:00 dev VXLAN dst IP [vni N] [port P] self`
   */
  async addFdb(port: LinkArg, mac: string, options: Omit<FdbSpec, 'ifindex' | 'mac'> = {}): Promise<void> {
    port = await resolveLink(port, 'port', this.namespace);
    const conn = await this.namespace.connection();
    await conn.request(fdbRequest('add', { ifindex: port.index, mac, ...options }), { op: 'RTM_NEWNEIGH', describe: `add fdb ${mac}${options.dst ? ` dst ${options.dst}` : ''} on ${JSON.stringify(port.name)}` });
  }

  /** Removes an FDB entry. Equivalent to: `bridge fdb del MAC dev PORT master [vlan N]` */
  async removeFdb(port: LinkArg, mac: string, options: Pick<FdbSpec, 'vlan' | 'self' | 'dst' | 'vni' | 'port'> = {}): Promise<void> {
    port = await resolveLink(port, 'port', this.namespace);
    const conn = await this.namespace.connection();
    await conn.request(fdbRequest('delete', { ifindex: port.index, mac, ...options }), { op: 'RTM_DELNEIGH', describe: `delete fdb ${mac} on ${JSON.stringify(port.name)}` });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), bridgeId: this.data?.bridgeId ?? '' };
  }
}
