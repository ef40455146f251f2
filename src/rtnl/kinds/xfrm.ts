// SPDX-License-Identifier: MIT
// xfrm (IFLA_XFRM_*, linux/if_link.h): an IPsec interface; policies and states with its if_id
// send their traffic through it. Types follow the kernel's xfrmi_policy (net/xfrm/xfrm_interface_core.c).

import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { defineKind, DeviceRef, ifindex, knownKeys, uint } from './driver';

export const xfrmAttrs = defineAttrs('xfrm', {
  link: { id: C.IFLA_XFRM_LINK, type: 'u32', orig: 'IFLA_XFRM_LINK' },
  ifId: { id: C.IFLA_XFRM_IF_ID, type: 'u32', orig: 'IFLA_XFRM_IF_ID' },
  collectMetadata: { id: C.IFLA_XFRM_COLLECT_METADATA, type: 'flag', orig: 'IFLA_XFRM_COLLECT_METADATA' },
});

export interface XfrmOptions {
  /** The xfrm interface id that policies and states name (`if_id`), 1..2^32-1. */
  ifId?: number;
  /** Underlay device (a Link, name or index). */
  dev?: DeviceRef;
  /** Metadata mode (the id comes with each packet, from eBPF). */
  external?: boolean;
}

export interface XfrmData {
  ifId: number | undefined;
  dev?: number;
  external: boolean;
}

export const xfrm = defineKind<XfrmOptions, XfrmData>({
  kind: 'xfrm',
  schema: xfrmAttrs,
  deviceOptions: ['dev'],
  // iproute2's order (link_xfrm.c): if_id, then the device.
  encode(o, at) {
    knownKeys(o, at, ['ifId', 'dev', 'external']);
    const d: Values = {};
    if (o.ifId !== undefined) d.ifId = uint(o.ifId, `${at}ifId`, 1, 0xffffffff);
    if (o.dev !== undefined) d.link = ifindex(o.dev, `${at}dev`);
    if (o.external) d.collectMetadata = true;
    return Object.keys(d).length ? d : undefined;
  },
  decode(d) {
    const out: XfrmData = { ifId: d.ifId as number | undefined, external: d.collectMetadata === true };
    if (d.link !== undefined && d.link !== 0) out.dev = d.link as number;
    return out;
  },
});
