// SPDX-License-Identifier: MIT
// macvtap: a macvlan whose frames also reach a character device (/dev/tapN, for VMs). Same
// IFLA_MACVLAN_* data as macvlan (drivers/net/macvtap.c reuses macvlan_common_newlink).

import { decodeMacvlan, encodeMacvlan, macvlanAttrs, MacvlanData, MacvlanOptions } from './macvlan';
import { defineKind } from './driver';

export type MacvtapOptions = MacvlanOptions;
export type MacvtapData = MacvlanData;

export const macvtap = defineKind<MacvtapOptions, MacvtapData>({
  kind: 'macvtap',
  schema: macvlanAttrs,
  needsParent: true,
  encode: encodeMacvlan,
  decode: decodeMacvlan,
});
