// SPDX-License-Identifier: MIT
// Reading links: a namespace's list (one dump, filtered by the kernel) and one link by name,
// alternative name or index. Link.list / Link.get / Link.read delegate here.

import { LinkNotFoundError, NetlinkError } from '../errors';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { RequestOptions } from '../netlink/multiplexer';
import * as C from '../rtnl/constants';
import { dumpLinksRequest, getLinkRequest } from '../rtnl/link-requests';
import { validateAltName } from '../rtnl/link-set';
import { mapInSlices, yieldIfBusy } from '../util/slices';
import { validateUint } from '../util/validate';
import { Link, LinkListFilter, LinkRef } from './link';
import { Namespace, namespaceArg } from './namespace';

/** Sends a link request on the namespace's socket; resolves with the reply's messages. */
export async function sendLinkRequest(ns: Namespace, builder: RequestBuilder, opts: RequestOptions): Promise<NlMsg[]> {
  const conn = await ns.connection();
  return (await conn.request(builder, opts)).messages;
}

export function validateLinkRef(ref: LinkRef): void {
  if (typeof ref === 'number') validateUint(ref, 'index', 1, 0x7fffffff);
  else validateAltName(ref);
}

export async function listLinks(namespace: Namespace | undefined, filter: LinkListFilter): Promise<Link[]> {
  const ns = namespaceArg(namespace, 'namespace');
  await yieldIfBusy();
  const master = typeof filter.master === 'object' ? filter.master.index : filter.master;
  if (master !== undefined) validateUint(master, 'master', 1, 0x7fffffff);
  const req = dumpLinksRequest({ ...(filter.kind !== undefined && { kind: filter.kind }), ...(master !== undefined && { master }) });
  const msgs = await sendLinkRequest(ns, req, { op: 'RTM_GETLINK', dump: true, describe: 'list links' });
  // Checked here too: a kernel that ignored the filter still yields the right list.
  const wanted = (l: Link) => (filter.kind === undefined || l.kind === filter.kind) && (master === undefined || l.masterIndex === master);
  return mapInSlices(msgs, (m) => {
    if (m.type !== C.RTM_NEWLINK) return undefined;
    const l = new Link(ns, m);
    return wanted(l) ? l : undefined;
  });
}

export async function readLink(ref: LinkRef, namespace: Namespace): Promise<Link> {
  validateLinkRef(ref);
  const req = getLinkRequest(ref);
  try {
    const msgs = await sendLinkRequest(namespace, req, { op: 'RTM_GETLINK', describe: () => `get link ${JSON.stringify(ref)}` });
    const m = msgs.find((x) => x.type === C.RTM_NEWLINK);
    if (!m) throw new LinkNotFoundError(ref, namespace.label);
    return new Link(namespace, m);
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') throw new LinkNotFoundError(ref, namespace.label, e);
    throw e;
  }
}
