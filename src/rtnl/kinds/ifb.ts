// SPDX-License-Identifier: MIT
// ifb (Intermediate Functional Block): traffic redirected to it by tc comes back out, so ingress
// traffic can be shaped as egress; no IFLA_INFO_DATA.

import { defineKind, knownKeys } from './driver';

export type IfbOptions = Record<string, never>;
export type IfbData = Record<string, never>;

export const ifb = defineKind<IfbOptions, IfbData>({
  kind: 'ifb',
  encode(o, at) {
    knownKeys(o, at, []);
    return undefined;
  },
  decode: () => ({}),
});
