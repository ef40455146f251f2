// SPDX-License-Identifier: MIT
// sit: IPv6 in IPv4 (6in4, 6rd, ISATAP); the IFLA_IPTUN_* data of ipip plus IFLA_IPTUN_FLAGS.

import { bool, defineKind, knownKeys } from './driver';
import * as C from '../constants';
import { decodeIpTunnel, encodeIpTunnel, IPTUN_KEYS, iptunAttrs, IpTunnelData, IpTunnelOptions } from './ipip';

export interface SitOptions extends IpTunnelOptions {
  /** Intra-Site Automatic Tunnel Addressing Protocol (SIT_ISATAP). */
  isatap?: boolean;
}

export interface SitData extends IpTunnelData {
  isatap: boolean;
}

export const sit = defineKind<SitOptions, SitData>({
  kind: 'sit',
  schema: iptunAttrs,
  deviceOptions: ['dev'],
  encode(o, at) {
    knownKeys(o, at, [...IPTUN_KEYS, 'isatap']);
    const d = encodeIpTunnel(o, at);
    if (o.isatap !== undefined) d.flags = bool(o.isatap, `${at}isatap`) ? C.SIT_ISATAP : 0;
    return d;
  },
  decode: (d) => ({ ...decodeIpTunnel(d), isatap: (((d.flags as number | undefined) ?? 0) & C.SIT_ISATAP) !== 0 }),
});
