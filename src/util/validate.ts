// SPDX-License-Identifier: MIT
// Input checks done before anything reaches the kernel, mirroring the kernel's own rules so the
// caller gets a sentence instead of a bare EINVAL.

import { InvalidArgumentError } from '../errors';

/** IFNAMSIZ - 1: the kernel's limit on an interface name, in bytes. */
export const MAX_IFNAME_BYTES = 15;

/** The kernel's dev_valid_name(): 1..15 bytes, not '.' or '..', no '/', ':' or whitespace. */
export function validateIfName(name: unknown, argument = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(argument, name, 'an interface name is a non-empty string');
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IFNAME_BYTES) {
    throw new InvalidArgumentError(argument, name, `interface names are at most ${MAX_IFNAME_BYTES} bytes (IFNAMSIZ - 1); this one is ${bytes}`);
  }
  if (name === '.' || name === '..') throw new InvalidArgumentError(argument, name, '"." and ".." are not valid interface names');
  if (/[/:\s]/.test(name)) throw new InvalidArgumentError(argument, name, 'interface names cannot contain "/", ":" or whitespace');
  if (name.includes('\0')) throw new InvalidArgumentError(argument, name, 'interface names cannot contain NUL');
  return name;
}

export function validateUint(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, value, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** MTU: the kernel checks each device's own range; this only refuses what no device accepts. */
export function validateMtu(value: unknown, argument = 'mtu'): number {
  return validateUint(value, argument, 68, 0xffffffff >>> 1);
}

/**
 * A TCP/UDP port as Node's own sockets accept it (an integer or a string of digits), 0 allowed only
 * where it means "any free port". Anything else is refused rather than truncated to 16 bits.
 */
export function validatePort(value: unknown, argument: string, allowZero: boolean): number {
  const n = typeof value === 'string' && /^\s*\d{1,5}\s*$/.test(value) ? Number(value) : value;
  const min = allowZero ? 0 : 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 65535) {
    throw new InvalidArgumentError(argument, value, `a port is an integer from ${min} to 65535`);
  }
  return n;
}
