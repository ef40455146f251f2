// SPDX-License-Identifier: MIT
// Link.create's input: the IFLA_* attributes its options stand for, checked before the kernel, and
// the error for a link kind the kernel does not have.

import { KernelFeatureError, NetlinkError } from '../errors';
import { Values } from '../netlink/codec';
import { parseMac } from '../util/addr';
import { validateIfName, validateMtu, validateUint } from '../util/validate';

/** Turns the kernel's answer to an unknown link kind into an error that says what is missing. */
export function kindError(kind: string) {
  return (err: NetlinkError): Error => {
    if (err.code === 'EOPNOTSUPP' && /unknown device type/i.test(err.kernelMessage ?? 'unknown device type')) {
      return new KernelFeatureError(
        { errno: err.errno, op: err.op, ...(err.request ? { request: err.request } : {}), ...(err.extack ? { extack: err.extack } : {}) },
        `link kind "${kind}"`,
        `The running kernel has no "${kind}" link type (not built in, and its module cannot be loaded)`,
      );
    }
    return err;
  };
}

/** Common IFLA_* attributes from creation options; `prefix` names the argument in errors ('peer.'). */
export function linkAttrsFromOptions(o: { name: string; mtu?: number; mac?: string; txqlen?: number; group?: number; alias?: string }, prefix: string): Values {
  const attrs: Values = { ifname: validateIfName(o.name, `${prefix}name`) };
  if (o.mtu !== undefined) attrs.mtu = validateMtu(o.mtu, `${prefix}mtu`);
  if (o.mac !== undefined) attrs.address = parseMac(o.mac, `${prefix}mac`);
  if (o.txqlen !== undefined) attrs.txqlen = validateUint(o.txqlen, `${prefix}txqlen`, 0, 0xffffffff);
  if (o.group !== undefined) attrs.group = validateUint(o.group, `${prefix}group`, 0, 0xffffffff);
  if (o.alias !== undefined) attrs.ifalias = o.alias;
  return attrs;
}
