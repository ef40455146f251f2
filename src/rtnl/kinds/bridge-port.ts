// SPDX-License-Identifier: MIT
// A bridge port's options (IFLA_BRPORT_*), seen as IFLA_INFO_SLAVE_DATA of a link whose master is
// a bridge. Types follow the kernel's br_port_policy (net/bridge/br_netlink.c).

import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';

export const bridgePortAttrs = defineAttrs('bridge_port', {
  state: { id: C.IFLA_BRPORT_STATE, type: 'u8', orig: 'IFLA_BRPORT_STATE' },
  priority: { id: C.IFLA_BRPORT_PRIORITY, type: 'u16', orig: 'IFLA_BRPORT_PRIORITY' },
  cost: { id: C.IFLA_BRPORT_COST, type: 'u32', orig: 'IFLA_BRPORT_COST' },
  mode: { id: C.IFLA_BRPORT_MODE, type: 'u8', orig: 'IFLA_BRPORT_MODE' },
  guard: { id: C.IFLA_BRPORT_GUARD, type: 'u8', orig: 'IFLA_BRPORT_GUARD' },
  protect: { id: C.IFLA_BRPORT_PROTECT, type: 'u8', orig: 'IFLA_BRPORT_PROTECT' },
  fastLeave: { id: C.IFLA_BRPORT_FAST_LEAVE, type: 'u8', orig: 'IFLA_BRPORT_FAST_LEAVE' },
  learning: { id: C.IFLA_BRPORT_LEARNING, type: 'u8', orig: 'IFLA_BRPORT_LEARNING' },
  unicastFlood: { id: C.IFLA_BRPORT_UNICAST_FLOOD, type: 'u8', orig: 'IFLA_BRPORT_UNICAST_FLOOD' },
  proxyarp: { id: C.IFLA_BRPORT_PROXYARP, type: 'u8', orig: 'IFLA_BRPORT_PROXYARP' },
  learningSync: { id: C.IFLA_BRPORT_LEARNING_SYNC, type: 'u8', orig: 'IFLA_BRPORT_LEARNING_SYNC' },
  proxyarpWifi: { id: C.IFLA_BRPORT_PROXYARP_WIFI, type: 'u8', orig: 'IFLA_BRPORT_PROXYARP_WIFI' },
  rootId: { id: C.IFLA_BRPORT_ROOT_ID, type: 'binary', orig: 'IFLA_BRPORT_ROOT_ID' },
  bridgeId: { id: C.IFLA_BRPORT_BRIDGE_ID, type: 'binary', orig: 'IFLA_BRPORT_BRIDGE_ID' },
  designatedPort: { id: C.IFLA_BRPORT_DESIGNATED_PORT, type: 'u16', orig: 'IFLA_BRPORT_DESIGNATED_PORT' },
  designatedCost: { id: C.IFLA_BRPORT_DESIGNATED_COST, type: 'u16', orig: 'IFLA_BRPORT_DESIGNATED_COST' },
  id: { id: C.IFLA_BRPORT_ID, type: 'u16', orig: 'IFLA_BRPORT_ID' },
  no: { id: C.IFLA_BRPORT_NO, type: 'u16', orig: 'IFLA_BRPORT_NO' },
  topologyChangeAck: { id: C.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK, type: 'u8', orig: 'IFLA_BRPORT_TOPOLOGY_CHANGE_ACK' },
  configPending: { id: C.IFLA_BRPORT_CONFIG_PENDING, type: 'u8', orig: 'IFLA_BRPORT_CONFIG_PENDING' },
  messageAgeTimer: { id: C.IFLA_BRPORT_MESSAGE_AGE_TIMER, type: 'u64', orig: 'IFLA_BRPORT_MESSAGE_AGE_TIMER' },
  forwardDelayTimer: { id: C.IFLA_BRPORT_FORWARD_DELAY_TIMER, type: 'u64', orig: 'IFLA_BRPORT_FORWARD_DELAY_TIMER' },
  holdTimer: { id: C.IFLA_BRPORT_HOLD_TIMER, type: 'u64', orig: 'IFLA_BRPORT_HOLD_TIMER' },
  flush: { id: C.IFLA_BRPORT_FLUSH, type: 'flag', orig: 'IFLA_BRPORT_FLUSH' },
  multicastRouter: { id: C.IFLA_BRPORT_MULTICAST_ROUTER, type: 'u8', orig: 'IFLA_BRPORT_MULTICAST_ROUTER' },
  mcastFlood: { id: C.IFLA_BRPORT_MCAST_FLOOD, type: 'u8', orig: 'IFLA_BRPORT_MCAST_FLOOD' },
  mcastToUcast: { id: C.IFLA_BRPORT_MCAST_TO_UCAST, type: 'u8', orig: 'IFLA_BRPORT_MCAST_TO_UCAST' },
  vlanTunnel: { id: C.IFLA_BRPORT_VLAN_TUNNEL, type: 'u8', orig: 'IFLA_BRPORT_VLAN_TUNNEL' },
  bcastFlood: { id: C.IFLA_BRPORT_BCAST_FLOOD, type: 'u8', orig: 'IFLA_BRPORT_BCAST_FLOOD' },
  groupFwdMask: { id: C.IFLA_BRPORT_GROUP_FWD_MASK, type: 'u16', orig: 'IFLA_BRPORT_GROUP_FWD_MASK' },
  neighSuppress: { id: C.IFLA_BRPORT_NEIGH_SUPPRESS, type: 'u8', orig: 'IFLA_BRPORT_NEIGH_SUPPRESS' },
  isolated: { id: C.IFLA_BRPORT_ISOLATED, type: 'u8', orig: 'IFLA_BRPORT_ISOLATED' },
  backupPort: { id: C.IFLA_BRPORT_BACKUP_PORT, type: 'u32', orig: 'IFLA_BRPORT_BACKUP_PORT' },
  mrpRingOpen: { id: C.IFLA_BRPORT_MRP_RING_OPEN, type: 'u8', orig: 'IFLA_BRPORT_MRP_RING_OPEN' },
  mrpInOpen: { id: C.IFLA_BRPORT_MRP_IN_OPEN, type: 'u8', orig: 'IFLA_BRPORT_MRP_IN_OPEN' },
  mcastEhtHostsLimit: { id: C.IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT, type: 'u32', orig: 'IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT' },
  mcastEhtHostsCnt: { id: C.IFLA_BRPORT_MCAST_EHT_HOSTS_CNT, type: 'u32', orig: 'IFLA_BRPORT_MCAST_EHT_HOSTS_CNT' },
  locked: { id: C.IFLA_BRPORT_LOCKED, type: 'u8', orig: 'IFLA_BRPORT_LOCKED' },
});
