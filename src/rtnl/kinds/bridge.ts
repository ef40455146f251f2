// SPDX-License-Identifier: MIT
// bridge (IFLA_BR_*, linux/if_link.h). Types follow the kernel's br_policy (net/bridge/br_netlink.c).
// Times are in hundredths of a second (clock_t, USER_HZ = 100) as the kernel takes them.

import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { bridgeAttrs as bridgeOptionAttrs, BridgeOptions, bridgeOptionsFrom } from './bridge-options';
import { defineKind } from './driver';

export const bridgeAttrs = defineAttrs('bridge', {
  forwardDelay: { id: C.IFLA_BR_FORWARD_DELAY, type: 'u32', orig: 'IFLA_BR_FORWARD_DELAY' },
  helloTime: { id: C.IFLA_BR_HELLO_TIME, type: 'u32', orig: 'IFLA_BR_HELLO_TIME' },
  maxAge: { id: C.IFLA_BR_MAX_AGE, type: 'u32', orig: 'IFLA_BR_MAX_AGE' },
  ageingTime: { id: C.IFLA_BR_AGEING_TIME, type: 'u32', orig: 'IFLA_BR_AGEING_TIME' },
  stpState: { id: C.IFLA_BR_STP_STATE, type: 'u32', orig: 'IFLA_BR_STP_STATE' },
  priority: { id: C.IFLA_BR_PRIORITY, type: 'u16', orig: 'IFLA_BR_PRIORITY' },
  vlanFiltering: { id: C.IFLA_BR_VLAN_FILTERING, type: 'u8', orig: 'IFLA_BR_VLAN_FILTERING' },
  vlanProtocol: { id: C.IFLA_BR_VLAN_PROTOCOL, type: 'u16', byteOrder: 'be', orig: 'IFLA_BR_VLAN_PROTOCOL' },
  groupFwdMask: { id: C.IFLA_BR_GROUP_FWD_MASK, type: 'u16', orig: 'IFLA_BR_GROUP_FWD_MASK' },
  rootId: { id: C.IFLA_BR_ROOT_ID, type: 'binary', orig: 'IFLA_BR_ROOT_ID' },
  bridgeId: { id: C.IFLA_BR_BRIDGE_ID, type: 'binary', orig: 'IFLA_BR_BRIDGE_ID' },
  rootPort: { id: C.IFLA_BR_ROOT_PORT, type: 'u16', orig: 'IFLA_BR_ROOT_PORT' },
  rootPathCost: { id: C.IFLA_BR_ROOT_PATH_COST, type: 'u32', orig: 'IFLA_BR_ROOT_PATH_COST' },
  topologyChange: { id: C.IFLA_BR_TOPOLOGY_CHANGE, type: 'u8', orig: 'IFLA_BR_TOPOLOGY_CHANGE' },
  topologyChangeDetected: { id: C.IFLA_BR_TOPOLOGY_CHANGE_DETECTED, type: 'u8', orig: 'IFLA_BR_TOPOLOGY_CHANGE_DETECTED' },
  helloTimer: { id: C.IFLA_BR_HELLO_TIMER, type: 'u64', orig: 'IFLA_BR_HELLO_TIMER' },
  tcnTimer: { id: C.IFLA_BR_TCN_TIMER, type: 'u64', orig: 'IFLA_BR_TCN_TIMER' },
  topologyChangeTimer: { id: C.IFLA_BR_TOPOLOGY_CHANGE_TIMER, type: 'u64', orig: 'IFLA_BR_TOPOLOGY_CHANGE_TIMER' },
  gcTimer: { id: C.IFLA_BR_GC_TIMER, type: 'u64', orig: 'IFLA_BR_GC_TIMER' },
  groupAddr: { id: C.IFLA_BR_GROUP_ADDR, type: 'binary', hint: 'mac', orig: 'IFLA_BR_GROUP_ADDR' },
  fdbFlush: { id: C.IFLA_BR_FDB_FLUSH, type: 'flag', orig: 'IFLA_BR_FDB_FLUSH' },
  mcastRouter: { id: C.IFLA_BR_MCAST_ROUTER, type: 'u8', orig: 'IFLA_BR_MCAST_ROUTER' },
  mcastSnooping: { id: C.IFLA_BR_MCAST_SNOOPING, type: 'u8', orig: 'IFLA_BR_MCAST_SNOOPING' },
  mcastQueryUseIfaddr: { id: C.IFLA_BR_MCAST_QUERY_USE_IFADDR, type: 'u8', orig: 'IFLA_BR_MCAST_QUERY_USE_IFADDR' },
  mcastQuerier: { id: C.IFLA_BR_MCAST_QUERIER, type: 'u8', orig: 'IFLA_BR_MCAST_QUERIER' },
  mcastHashElasticity: { id: C.IFLA_BR_MCAST_HASH_ELASTICITY, type: 'u32', orig: 'IFLA_BR_MCAST_HASH_ELASTICITY' },
  mcastHashMax: { id: C.IFLA_BR_MCAST_HASH_MAX, type: 'u32', orig: 'IFLA_BR_MCAST_HASH_MAX' },
  mcastLastMemberCnt: { id: C.IFLA_BR_MCAST_LAST_MEMBER_CNT, type: 'u32', orig: 'IFLA_BR_MCAST_LAST_MEMBER_CNT' },
  mcastStartupQueryCnt: { id: C.IFLA_BR_MCAST_STARTUP_QUERY_CNT, type: 'u32', orig: 'IFLA_BR_MCAST_STARTUP_QUERY_CNT' },
  mcastLastMemberIntvl: { id: C.IFLA_BR_MCAST_LAST_MEMBER_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_LAST_MEMBER_INTVL' },
  mcastMembershipIntvl: { id: C.IFLA_BR_MCAST_MEMBERSHIP_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_MEMBERSHIP_INTVL' },
  mcastQuerierIntvl: { id: C.IFLA_BR_MCAST_QUERIER_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_QUERIER_INTVL' },
  mcastQueryIntvl: { id: C.IFLA_BR_MCAST_QUERY_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_QUERY_INTVL' },
  mcastQueryResponseIntvl: { id: C.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_QUERY_RESPONSE_INTVL' },
  mcastStartupQueryIntvl: { id: C.IFLA_BR_MCAST_STARTUP_QUERY_INTVL, type: 'u64', orig: 'IFLA_BR_MCAST_STARTUP_QUERY_INTVL' },
  nfCallIptables: { id: C.IFLA_BR_NF_CALL_IPTABLES, type: 'u8', orig: 'IFLA_BR_NF_CALL_IPTABLES' },
  nfCallIp6tables: { id: C.IFLA_BR_NF_CALL_IP6TABLES, type: 'u8', orig: 'IFLA_BR_NF_CALL_IP6TABLES' },
  nfCallArptables: { id: C.IFLA_BR_NF_CALL_ARPTABLES, type: 'u8', orig: 'IFLA_BR_NF_CALL_ARPTABLES' },
  vlanDefaultPvid: { id: C.IFLA_BR_VLAN_DEFAULT_PVID, type: 'u16', orig: 'IFLA_BR_VLAN_DEFAULT_PVID' },
  vlanStatsEnabled: { id: C.IFLA_BR_VLAN_STATS_ENABLED, type: 'u8', orig: 'IFLA_BR_VLAN_STATS_ENABLED' },
  mcastStatsEnabled: { id: C.IFLA_BR_MCAST_STATS_ENABLED, type: 'u8', orig: 'IFLA_BR_MCAST_STATS_ENABLED' },
  mcastIgmpVersion: { id: C.IFLA_BR_MCAST_IGMP_VERSION, type: 'u8', orig: 'IFLA_BR_MCAST_IGMP_VERSION' },
  mcastMldVersion: { id: C.IFLA_BR_MCAST_MLD_VERSION, type: 'u8', orig: 'IFLA_BR_MCAST_MLD_VERSION' },
  vlanStatsPerPort: { id: C.IFLA_BR_VLAN_STATS_PER_PORT, type: 'u8', orig: 'IFLA_BR_VLAN_STATS_PER_PORT' },
  multiBoolopt: { id: C.IFLA_BR_MULTI_BOOLOPT, type: 'binary', orig: 'IFLA_BR_MULTI_BOOLOPT' },
  mcastQuerierState: { id: C.IFLA_BR_MCAST_QUERIER_STATE, type: 'binary', orig: 'IFLA_BR_MCAST_QUERIER_STATE' },
});

/** The bridge's options as the kernel reports them (times in seconds), with its bridge and root ids. */
export type BridgeData = ReturnType<typeof bridgeOptionsFrom>;

export const bridge = defineKind<BridgeOptions, BridgeData>({
  kind: 'bridge',
  schema: bridgeAttrs,
  encode(o) {
    const a = bridgeOptionAttrs(o, o.stp === true);
    return Object.keys(a).length ? a : undefined;
  },
  decode: bridgeOptionsFrom,
});
