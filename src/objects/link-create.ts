// SPDX-License-Identifier: MIT
// Link.create: resolves the devices its options name (parent, master), then sends the one request
// newLinkRequest builds. A parent in another namespace (CNI's macvlan: a host NIC, a container's
// namespace) means the request goes to the parent's namespace and names the target by fd
// (IFLA_NET_NS_FD): the link is created next to its parent and lands in the target in one step.

import { InvalidArgumentError } from '../errors';
import { kindDriver, KnownLinkKind, LinkKind } from '../rtnl/kinds';
import { kindError, newLinkRequest, NewLinkSpec } from '../rtnl/link-request';
import { yieldIfBusy } from '../util/slices';
import { validateUint } from '../util/validate';
import { Link } from './link';
import { LinkCreateOptions } from './link-options';
import { Namespace, namespaceArg } from './namespace';

const describeValue = (v: unknown): unknown => (typeof v === 'object' && v !== null ? `[${v.constructor?.name ?? 'object'}]` : v);

/**
 * The Link a LinkArg names: a Link (a Bridge is one), anything holding one as `.link` (a TunTap),
 * or a name or index looked up in `ns`. Anything else is an InvalidArgumentError.
 */
export async function resolveLink(value: unknown, argument: string, ns: Namespace): Promise<Link> {
  const direct = linkOf(value);
  if (direct) return direct;
  if (typeof value === 'string' || typeof value === 'number') {
    if (typeof value === 'number') validateUint(value, argument, 1, 0x7fffffff);
    return Link.get(value, ns);
  }
  throw new InvalidArgumentError(argument, describeValue(value), 'expected a Link (or Bridge, TunTap), an interface name or an index');
}

/** The Link held by a LinkArg without a lookup, or undefined for names and indexes. */
export function linkOf(value: unknown): Link | undefined {
  if (value instanceof Link) return value;
  if (typeof value === 'object' && value !== null && (value as { link?: unknown }).link instanceof Link) return (value as { link: Link }).link;
  return undefined;
}

export async function createLink<K extends LinkKind>(opts: LinkCreateOptions<K>): Promise<Link<K>> {
  await yieldIfBusy();
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('options', describeValue(opts), 'expected an object such as { kind, name }');
  const ns = namespaceArg(opts.namespace, 'namespace');
  const parentNs = opts.parentNamespace === undefined ? ns : namespaceArg(opts.parentNamespace, 'parentNamespace');
  const data = opts.kind === 'veth' && opts.peer !== undefined && opts.data === undefined ? { peer: opts.peer } : opts.data;
  const spec: NewLinkSpec = {
    name: opts.name,
    kind: opts.kind,
    ...(opts.mtu !== undefined && { mtu: opts.mtu }),
    ...(opts.mac !== undefined && { mac: opts.mac }),
    ...(opts.txqlen !== undefined && { txqlen: opts.txqlen }),
    ...(opts.group !== undefined && { group: opts.group }),
    ...(opts.alias !== undefined && { alias: opts.alias }),
    ...(opts.txQueues !== undefined && { txQueues: opts.txQueues }),
    ...(opts.rxQueues !== undefined && { rxQueues: opts.rxQueues }),
    ...(opts.up && { up: true }),
    ...(data !== undefined && { data: data as object }),
  };
  // Every option is checked before any lookup reaches the kernel (a placeholder stands for the
  // devices not yet resolved).
  const devices = deviceOptionsOf(opts.kind, data);
  newLinkRequest({
    ...spec,
    ...(opts.parent !== undefined && { parent: 1 }),
    ...(opts.master !== undefined && { master: 1 }),
    ...(devices.length && { data: { ...(data as object), ...Object.fromEntries(devices.map((k) => [k, 1])) } }),
  });
  const parent = opts.parent === undefined ? undefined : await resolveLink(opts.parent, 'parent', parentNs);
  const master = opts.master === undefined ? undefined : await resolveLink(opts.master, 'master', ns);
  if (master && !master.namespace.equals(ns)) {
    throw new InvalidArgumentError('master', master.name, `it is in ${master.namespace.label} and the new link would be in ${ns.label}`);
  }
  if (parent) spec.parent = parent.index;
  if (master) spec.master = master.index;
  const home = parent ? parent.namespace : ns;
  if (devices.length) {
    const resolved: Record<string, unknown> = { ...(data as object) };
    for (const key of devices) {
      const dev = await resolveLink(resolved[key], `data.${key}`, home);
      if (!dev.namespace.equals(home)) throw new InvalidArgumentError(`data.${key}`, dev.name, `it is in ${dev.namespace.label}; the request is made in ${home.label}`);
      resolved[key] = dev.index;
    }
    spec.data = resolved;
  }
  const crossNs = !home.equals(ns);
  const name = opts.name;
  const kind = opts.kind;
  const describe = () =>
    `create ${kind} ${JSON.stringify(name)}${parent ? ` on ${JSON.stringify(parent.name)}` : ''}${crossNs ? ` in ${home.label}, moving to ${ns.label}` : ''}`;
  const conn = await home.connection();
  const send = () => conn.request(newLinkRequest(spec), { op: 'RTM_NEWLINK', describe, mapError: kindError(kind) });
  if (!crossNs) {
    const link = (await Link.fromEcho(ns, (await send()).messages, name)) as Link<K>;
    // The echo is the registration's notification, sent before the kernel attaches the new link to
    // its master; a create that succeeded did attach it.
    if (spec.master !== undefined) link.masterIndex = spec.master;
    return link;
  }
  ns.assertOpen();
  // The target namespace is named by fd number: held open until the kernel has answered.
  await ns.withFd((fd) => ((spec.netNsFd = fd), send()), conn);
  // The kernel echoes the new link into the namespace it landed in, not to this socket.
  return (await Link.read(name, ns)) as Link<K>;
}

/** The kind's device options (vxlan `dev`, ...) given as a Link or name: those to look up. */
function deviceOptionsOf(kind: string, data: unknown): string[] {
  const keys = kindDriver(kind)?.deviceOptions;
  if (!keys || data === null || typeof data !== 'object') return [];
  return keys.filter((k) => {
    const v = (data as Record<string, unknown>)[k];
    return v !== undefined && typeof v !== 'number';
  });
}

/** Narrows `link` to a known kind. */
export function isKind<K extends KnownLinkKind>(link: Link, kind: K): link is Link<K> {
  return link.kind === kind;
}
