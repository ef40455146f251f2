// SPDX-License-Identifier: MIT
// Links across namespaces: moving one (IFLA_NET_NS_FD on a set request, no thread ever switches
// namespace) and finding a veth's other end wherever it lives (IFLA_LINK + IFLA_LINK_NETNSID).

import { ClosedError, NetlinkError, NetnsImmutableError, VnetkitError } from '../errors';

export { NetnsImmutableError } from '../errors';
import { moveLinkRequest } from '../rtnl/link-requests';
import { validateIfName } from '../util/validate';
import { Link } from './link';
import { Namespace, namespaceArg } from './namespace';

/** Kinds the kernel never lets change namespace. Others are checked by the kernel itself. */
const NETNS_LOCAL_KINDS = new Set(['bridge', 'bond', 'team', 'openvswitch', 'vrf']);

export async function moveLink(link: Link, target: Namespace, options: { name?: string } = {}): Promise<Link> {
  target = namespaceArg(target, 'target', false);
  if (link.flags.includes('LOOPBACK') || (link.kind && NETNS_LOCAL_KINDS.has(link.kind))) {
    throw new NetnsImmutableError(link.name, link.kind ?? 'loopback');
  }
  target.assertOpen();
  const newName = options.name === undefined ? link.name : validateIfName(options.name);
  const conn = await link.namespace.connection();
  try {
    await target.withFd((fd) => {
      return conn.request(moveLinkRequest(link.index, fd, options.name === undefined ? undefined : newName), {
        op: 'RTM_NEWLINK',
        describe: `move ${JSON.stringify(link.name)} from ${link.namespace.label} to ${target.label}${options.name ? ` as ${JSON.stringify(newName)}` : ''}`,
      });
    }, conn);
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'EINVAL' && /netns is immutable|netns.local/i.test(e.kernelMessage ?? '')) {
      throw new NetnsImmutableError(link.name, link.kind, e);
    }
    throw e;
  }
  try {
    return await Link.get(newName, target);
  } catch (e) {
    // A ClosedError says nothing was done; here the move was, so it must not read as one.
    if (!(e instanceof ClosedError)) throw e;
    throw new VnetkitError(
      `moved ${JSON.stringify(link.name)} to ${target.label}${options.name ? ` as ${JSON.stringify(newName)}` : ''}, but that handle was closed before the link could be read back`,
      'ERR_TARGET_CLOSED',
      { cause: e },
    );
  }
}

/**
 * The other end of a veth. In the same namespace when the kernel gives no IFLA_LINK_NETNSID;
 * otherwise in the namespace that nsid names, searched among this process's open handles, the
 * current namespace and the named ones.
 */
export async function findPeer(link: Link): Promise<{ link: Link; namespace: Namespace }> {
  await link.refresh();
  if (link.parentIndex === undefined || link.parentIndex === 0) {
    throw new VnetkitError(`${JSON.stringify(link.name)} has no peer (IFLA_LINK); only veth-like links do`, 'ENOENT');
  }
  if (link.linkNetnsid === undefined) return { link: await Link.get(link.parentIndex, link.namespace), namespace: link.namespace };
  for (const candidate of Namespace.openHandles()) {
    if (candidate.isClosed || candidate.equals(link.namespace)) continue;
    if ((await candidate.id(link.namespace)) === link.linkNetnsid) {
      return { link: await Link.get(link.parentIndex, candidate), namespace: candidate };
    }
  }
  for (const named of await Namespace.list()) {
    const ns = await Namespace.open(named.name);
    if ((await ns.id(link.namespace)) === link.linkNetnsid) return { link: await Link.get(link.parentIndex, ns), namespace: ns };
    await ns.close();
  }
  throw new VnetkitError(
    `the peer of ${JSON.stringify(link.name)} is in a namespace (nsid ${link.linkNetnsid} in ${link.namespace.label}) ` +
      'that this process has no handle for and that has no name under /run/netns',
    'ENOENT',
  );
}
