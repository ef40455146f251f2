// SPDX-License-Identifier: MIT
// tun/tap (IFLA_TUN_*): decode only. The kernel refuses to create tun devices over rtnetlink
// ("tun/tap creation via rtnetlink is not supported"); creation is the TUNSETIFF ioctl (TunTap).

import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { IFF_TAP, IFF_TUN } from '../../tun/constants';
import { defineKind, on } from './driver';

export const tunAttrs = defineAttrs('tun', {
  owner: { id: C.IFLA_TUN_OWNER, type: 'u32', orig: 'IFLA_TUN_OWNER' },
  group: { id: C.IFLA_TUN_GROUP, type: 'u32', orig: 'IFLA_TUN_GROUP' },
  type: { id: C.IFLA_TUN_TYPE, type: 'u8', orig: 'IFLA_TUN_TYPE' },
  pi: { id: C.IFLA_TUN_PI, type: 'u8', orig: 'IFLA_TUN_PI' },
  vnetHdr: { id: C.IFLA_TUN_VNET_HDR, type: 'u8', orig: 'IFLA_TUN_VNET_HDR' },
  persist: { id: C.IFLA_TUN_PERSIST, type: 'u8', orig: 'IFLA_TUN_PERSIST' },
  multiQueue: { id: C.IFLA_TUN_MULTI_QUEUE, type: 'u8', orig: 'IFLA_TUN_MULTI_QUEUE' },
  numQueues: { id: C.IFLA_TUN_NUM_QUEUES, type: 'u32', orig: 'IFLA_TUN_NUM_QUEUES' },
  numDisabledQueues: { id: C.IFLA_TUN_NUM_DISABLED_QUEUES, type: 'u32', orig: 'IFLA_TUN_NUM_DISABLED_QUEUES' },
});

export interface TunData {
  mode?: 'tun' | 'tap';
  owner?: number;
  group?: number;
  packetInfo: boolean;
  vnetHdr: boolean;
  persist: boolean;
  multiQueue: boolean;
  queues?: number;
  disabledQueues?: number;
}


export const tun = defineKind<never, TunData>({
  kind: 'tun',
  schema: tunAttrs,
  creatable: false,
  encode: () => undefined,
  decode(d) {
    const out: TunData = { packetInfo: on(d.pi), vnetHdr: on(d.vnetHdr), persist: on(d.persist), multiQueue: on(d.multiQueue) };
    if (d.type === IFF_TUN) out.mode = 'tun';
    else if (d.type === IFF_TAP) out.mode = 'tap';
    if (d.owner !== undefined) out.owner = d.owner as number;
    if (d.group !== undefined) out.group = d.group as number;
    if (d.numQueues !== undefined) out.queues = d.numQueues as number;
    if (d.numDisabledQueues !== undefined) out.disabledQueues = d.numDisabledQueues as number;
    return out;
  },
});
