// SPDX-License-Identifier: MIT
// dummy: a device that drops what it is given; no IFLA_INFO_DATA.

import { defineKind, knownKeys } from './driver';

export type DummyOptions = Record<string, never>;
export type DummyData = Record<string, never>;

export const dummy = defineKind<DummyOptions, DummyData>({
  kind: 'dummy',
  encode(o, at) {
    knownKeys(o, at, []);
    return undefined;
  },
  decode: () => ({}),
});
