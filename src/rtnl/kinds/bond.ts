// SPDX-License-Identifier: MIT
// bond (IFLA_BOND_*, linux/if_link.h): link aggregation. The main options only; the kernel's
// bond_policy (drivers/net/bonding/bond_netlink.c) has many more, decoded as unknown attributes.

import { Values } from '../../netlink/codec';
import { defineAttrs } from '../../netlink/schema';
import * as C from '../constants';
import { defineKind, knownKeys, nameOf, oneOf, uint } from './driver';

export const bondAttrs = defineAttrs('bond', {
  mode: { id: C.IFLA_BOND_MODE, type: 'u8', orig: 'IFLA_BOND_MODE' },
  activeSlave: { id: C.IFLA_BOND_ACTIVE_SLAVE, type: 'u32', orig: 'IFLA_BOND_ACTIVE_SLAVE' },
  miimon: { id: C.IFLA_BOND_MIIMON, type: 'u32', orig: 'IFLA_BOND_MIIMON' },
  updelay: { id: C.IFLA_BOND_UPDELAY, type: 'u32', orig: 'IFLA_BOND_UPDELAY' },
  downdelay: { id: C.IFLA_BOND_DOWNDELAY, type: 'u32', orig: 'IFLA_BOND_DOWNDELAY' },
  arpInterval: { id: C.IFLA_BOND_ARP_INTERVAL, type: 'u32', orig: 'IFLA_BOND_ARP_INTERVAL' },
  xmitHashPolicy: { id: C.IFLA_BOND_XMIT_HASH_POLICY, type: 'u8', orig: 'IFLA_BOND_XMIT_HASH_POLICY' },
  minLinks: { id: C.IFLA_BOND_MIN_LINKS, type: 'u32', orig: 'IFLA_BOND_MIN_LINKS' },
  adLacpRate: { id: C.IFLA_BOND_AD_LACP_RATE, type: 'u8', orig: 'IFLA_BOND_AD_LACP_RATE' },
});

const MODES = {
  'balance-rr': C.BOND_MODE_ROUNDROBIN,
  'active-backup': C.BOND_MODE_ACTIVEBACKUP,
  'balance-xor': C.BOND_MODE_XOR,
  broadcast: C.BOND_MODE_BROADCAST,
  '802.3ad': C.BOND_MODE_8023AD,
  'balance-tlb': C.BOND_MODE_TLB,
  'balance-alb': C.BOND_MODE_ALB,
} as const;
const XMIT_HASH = {
  layer2: C.BOND_XMIT_POLICY_LAYER2,
  'layer3+4': C.BOND_XMIT_POLICY_LAYER34,
  'layer2+3': C.BOND_XMIT_POLICY_LAYER23,
  'encap2+3': C.BOND_XMIT_POLICY_ENCAP23,
  'encap3+4': C.BOND_XMIT_POLICY_ENCAP34,
  'vlan+srcmac': C.BOND_XMIT_POLICY_VLAN_SRCMAC,
} as const;
// AD_LACP_SLOW / AD_LACP_FAST of drivers/net/bonding/bond_3ad.h: the kernel's UAPI has no name
// for them; the attribute is a boolean "fast".
const LACP_RATE = { slow: 0, fast: 1 } as const;

export interface BondOptions {
  mode?: keyof typeof MODES;
  /** MII link monitoring interval, ms. */
  miimon?: number;
  updelay?: number;
  downdelay?: number;
  /** ARP monitoring interval, ms. */
  arpInterval?: number;
  /** 802.3ad: how often the partner sends LACPDUs. */
  lacpRate?: keyof typeof LACP_RATE;
  xmitHashPolicy?: keyof typeof XMIT_HASH;
  minLinks?: number;
}

export interface BondData {
  mode: keyof typeof MODES | number | undefined;
  miimon: number | undefined;
  updelay: number | undefined;
  downdelay: number | undefined;
  arpInterval: number | undefined;
  lacpRate: keyof typeof LACP_RATE | number | undefined;
  xmitHashPolicy: keyof typeof XMIT_HASH | number | undefined;
  minLinks: number | undefined;
}

const u32 = (v: unknown, arg: string) => uint(v, arg, 0, 0xffffffff);

export const bond = defineKind<BondOptions, BondData>({
  kind: 'bond',
  schema: bondAttrs,
  encode(o, at) {
    knownKeys(o, at, ['mode', 'miimon', 'updelay', 'downdelay', 'arpInterval', 'lacpRate', 'xmitHashPolicy', 'minLinks']);
    const d: Values = {};
    if (o.mode !== undefined) d.mode = oneOf(o.mode, `${at}mode`, MODES);
    if (o.miimon !== undefined) d.miimon = u32(o.miimon, `${at}miimon`);
    if (o.updelay !== undefined) d.updelay = u32(o.updelay, `${at}updelay`);
    if (o.downdelay !== undefined) d.downdelay = u32(o.downdelay, `${at}downdelay`);
    if (o.arpInterval !== undefined) d.arpInterval = u32(o.arpInterval, `${at}arpInterval`);
    if (o.lacpRate !== undefined) d.adLacpRate = oneOf(o.lacpRate, `${at}lacpRate`, LACP_RATE);
    if (o.xmitHashPolicy !== undefined) d.xmitHashPolicy = oneOf(o.xmitHashPolicy, `${at}xmitHashPolicy`, XMIT_HASH);
    if (o.minLinks !== undefined) d.minLinks = u32(o.minLinks, `${at}minLinks`);
    return Object.keys(d).length ? d : undefined;
  },
  decode: (d) => ({
    mode: nameOf(d.mode, MODES),
    miimon: d.miimon as number | undefined,
    updelay: d.updelay as number | undefined,
    downdelay: d.downdelay as number | undefined,
    arpInterval: d.arpInterval as number | undefined,
    lacpRate: nameOf(d.adLacpRate, LACP_RATE),
    xmitHashPolicy: nameOf(d.xmitHashPolicy, XMIT_HASH),
    minLinks: d.minLinks as number | undefined,
  }),
});
