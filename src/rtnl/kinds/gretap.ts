// SPDX-License-Identifier: MIT
// gretap: GRE carrying Ethernet frames (layer 2); same IFLA_GRE_* data as gre.

import { decodeGre, encodeGre, greAttrs, GreData, GreOptions } from './gre';
import { defineKind } from './driver';

export type GretapOptions = GreOptions;
export type GretapData = GreData;

export const gretap = defineKind<GretapOptions, GretapData>({
  kind: 'gretap',
  schema: greAttrs,
  deviceOptions: ['dev'],
  encode: encodeGre,
  decode: decodeGre,
});
