// SPDX-License-Identifier: MIT
// VethPair: both ends of a veth created by ONE RTM_NEWLINK, each directly in its own namespace (the
// peer's ifinfomsg carries IFLA_NET_NS_FD), so no temporary name ever appears anywhere and there is
// nothing to move afterwards, the CNI "bridge"/"ptp" flow in one request.

import { InvalidArgumentError, LinkExistsError, LinkNotFoundError, NetlinkError, VnetkitError } from '../errors';

export { LinkExistsError } from '../errors';
import { VethPeerSpec } from '../rtnl/kinds/veth';
import { setUpRequest } from '../rtnl/link-requests';
import { newLinkRequest, NewLinkSpec } from '../rtnl/link-request';
import { yieldIfBusy } from '../util/slices';
import { Link } from './link';
import { linkOf, resolveLink } from './link-create';
import { LinkArg } from './link-options';
import { Namespace, namespaceArg } from './namespace';

export interface VethEndOptions {
  name: string;
  /**
   * Namespace of this end. Default: the current namespace for the local end; for the peer, the
   * local end's namespace.
   */
  namespace?: Namespace;
  mac?: string;
  mtu?: number;
  /**
   * Transmit / receive queues of this end (IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES), 1..4096;
   * default 1, which is also the number a veth uses when none is given. Asking for more makes a
   * multi-queue veth (XDP, `ethtool -L`). The explicit 1 matters for speed: without it the
   * kernel allocates one queue per CPU and then trims each end to one with an RCU synchronization
   * while holding rtnl_lock (about 0.1 ms per end here, every other rtnetlink user waiting).
   */
  txQueues?: number;
  rxQueues?: number;
}

export interface VethPairOptions extends VethEndOptions {
  peer: VethEndOptions;
  /** MAC of the peer end (same as peer.mac). */
  peerMac?: string;
  /** Bring both ends up (the local end in the create request, the peer right after it). */
  up?: boolean;
  /**
   * Whether the peer is brought up too (default: `up`). `{ up: true, peerUp: false }` brings up
   * only the local end, in the create request itself, and leaves the peer down for its own
   * configuration (address, then up) later.
   */
  peerUp?: boolean;
  /** Device group of both ends (IFLA_GROUP), e.g. for a later bulk delete. */
  group?: number;
  /** Make the local end a port of this bridge (or other master) in the same request. */
  master?: LinkArg;
}

async function exists(name: string, ns: Namespace): Promise<boolean> {
  try {
    await Link.get(name, ns);
    return true;
  } catch (e) {
    if (e instanceof LinkNotFoundError) return false;
    throw e;
  }
}

export class VethPair {
  private constructor(
    /** The end created in `namespace`. */
    readonly local: Link,
    /** The other end, in `peer.namespace`. */
    readonly peer: Link,
  ) {}

  /**
   * Creates a veth pair with each end directly in its namespace, in one request. `mtu`,
   * `txQueues` and `rxQueues` apply to both ends unless the peer gives its own.
   *
   * Equivalent to: `ip -n NS link add NAME type veth peer name PEER netns PEERNS`
   */
  static async create(options: VethPairOptions): Promise<VethPair> {
    await yieldIfBusy();
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'expected { name, peer: { name } }');
    if (!options.peer || typeof options.peer !== 'object') throw new InvalidArgumentError('peer', options.peer, 'VethPair.create needs peer: { name }');
    const ns = namespaceArg(options.namespace, 'namespace');
    const peerNs = options.peer.namespace === undefined ? ns : namespaceArg(options.peer.namespace, 'peer.namespace');
    const p = options.peer;
    const peer: VethPeerSpec = { name: p.name };
    const peerMtu = p.mtu ?? options.mtu;
    const peerMac = options.peerMac ?? p.mac;
    const txQueues = p.txQueues ?? options.txQueues;
    const rxQueues = p.rxQueues ?? options.rxQueues;
    if (peerMtu !== undefined) peer.mtu = peerMtu;
    if (peerMac !== undefined) peer.mac = peerMac;
    if (options.group !== undefined) peer.group = options.group;
    if (txQueues !== undefined) peer.txQueues = txQueues;
    if (rxQueues !== undefined) peer.rxQueues = rxQueues;
    const spec: NewLinkSpec = { kind: 'veth', name: options.name, data: { peer } };
    if (options.mtu !== undefined) spec.mtu = options.mtu;
    if (options.mac !== undefined) spec.mac = options.mac;
    if (options.group !== undefined) spec.group = options.group;
    if (options.txQueues !== undefined) spec.txQueues = options.txQueues;
    if (options.rxQueues !== undefined) spec.rxQueues = options.rxQueues;
    if (options.up) spec.up = true;
    if (options.master !== undefined) {
      // A Link is used as it is; a name or index is looked up (one request) in the local end's namespace.
      const master = linkOf(options.master) ?? (await resolveLink(options.master, 'master', ns));
      if (!master.namespace.equals(ns)) {
        throw new InvalidArgumentError('master', master.name, `it is in ${master.namespace.label}, the local end would be in ${ns.label}`);
      }
      spec.master = master.index;
    }
    const sameNs = peerNs.equals(ns);
    peerNs.assertOpen();
    // Checked (and, in one namespace, built) before anything is sent; across namespaces the request
    // is built once the peer's namespace fd is held.
    const request = sameNs ? newLinkRequest(spec) : undefined;
    // The peer cannot be brought up by the create request itself: veth_newlink configures it
    // before the two ends are tied together, so its open fails with ENOTCONN (and nothing is
    // created). It is set up right after, by name, in its own namespace (as `ip` users must, too).
    // Captured now: the describe functions run later, and only if a request fails.
    const name = options.name;
    const peerName = options.peer.name;
    const describe = () => `create veth ${JSON.stringify(name)} in ${ns.label} with peer ${JSON.stringify(peerName)} in ${peerNs.label}`;
    const conn = await ns.connection();
    const create = () => conn.request(request ?? newLinkRequest(spec), { op: 'RTM_NEWLINK', describe });
    let reply;
    try {
      // The peer's namespace is named by fd number: held open until the kernel has answered.
      reply = await (sameNs ? create() : peerNs.withFd((fd) => ((peer.netNsFd = fd), create()), conn));
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'EEXIST') {
        // Tell which end collided; the kernel registers neither when either name is taken.
        if (await exists(options.peer.name, peerNs)) throw new LinkExistsError(e, 'peer', options.peer.name, peerNs.label);
        throw new LinkExistsError(e, 'local', options.name, ns.label);
      }
      throw e;
    }
    const local = await Link.fromEcho(ns, reply.messages, options.name);
    // The echo is the registration's notification, sent before the kernel attaches the new link to
    // its master; a create that succeeded did attach it.
    if (spec.master !== undefined) local.masterIndex = spec.master;
    try {
      let setUp: Promise<unknown> | undefined;
      if (options.peerUp ?? options.up) {
        const peerConn = await peerNs.connection();
        const req = setUpRequest(peerName, true);
        setUp = peerConn.request(req, { op: 'RTM_NEWLINK', describe: () => `set up ${JSON.stringify(peerName)} in ${peerNs.label}` });
      }
      // Pipelined behind the set-up on the same socket: the kernel runs them in order, so the read
      // sees the peer up, without waiting a round trip in between.
      const both = await Promise.all([setUp, Link.read(peerName, peerNs)]);
      return new VethPair(local, both[1]);
    } catch (e) {
      // The peer could not be read or brought up (its namespace was closed meanwhile, say): the
      // pair is half-made, so remove it rather than leave it behind.
      await local.delete().catch(() => undefined);
      throw e instanceof VnetkitError ? e : new VnetkitError(`veth created but its peer could not be read: ${(e as Error).message}`, 'EIO', { cause: e });
    }
  }

  /**
   * Deletes the pair (deleting either end removes both).
   *
   * Equivalent to: `ip link del NAME`
   */
  async delete(): Promise<void> {
    await this.local.delete();
  }

  /**
   * Deletes the pair if it still exists, for `await using pair = await VethPair.create(...)`.
   *
   * Equivalent to: `ip link del NAME` (no error if it is gone)
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.local[Symbol.asyncDispose]();
  }
}
