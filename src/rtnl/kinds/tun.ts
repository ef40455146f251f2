// SPDX-License-Identifier: MIT
// tun/tap (IFLA_TUN_*): decode only. The kernel refuses to create tun devices over rtnetlink
// ("tun/tap creation via rtnetlink is not supported"); creation is the TUNSETIFF ioctl.

import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';

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
