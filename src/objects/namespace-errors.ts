// SPDX-License-Identifier: MIT
// Turns the raw system errors of namespace operations into errors that say what to do.

import { InvalidArgumentError, NamespaceError, VnetkitError } from '../errors';

export { NamespaceError } from '../errors';

interface SysErr {
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  message?: string;
}

const HINTS: Record<string, string> = {
  EPERM: 'this needs CAP_SYS_ADMIN and CAP_NET_ADMIN (run as root, or inside a user namespace you own)',
  EACCES: 'permission denied: this needs CAP_SYS_ADMIN and CAP_NET_ADMIN',
};

/** Wraps a Node/native system error from `op` (e.g. 'create network namespace "a"'). */
export function namespaceError(e: unknown, op: string, path?: string): Error {
  if (e instanceof VnetkitError) return e;
  const err = e as SysErr;
  if (!err || typeof err.code !== 'string') return e as Error;
  const where = err.path ?? path;
  let what = `${op} failed: ${err.code}`;
  if (err.code === 'EEXIST') what = `${op} failed: ${where ?? 'the name'} already exists (EEXIST)`;
  else if (err.code === 'ENOENT') what = `${op} failed: ${where ?? 'it'} does not exist (ENOENT)`;
  else if (HINTS[err.code]) what += `: ${HINTS[err.code]}`;
  else if (err.message) what += ` (${err.message})`;
  return new NamespaceError(what, err.code, err.errno ?? 0, err.syscall, where, e);
}

/** `ip netns` names: a single path component, 1..255 bytes, not '.' or '..'. */
export function validateNetnsName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('name', name, 'a namespace name is a non-empty string');
  if (name === '.' || name === '..') throw new InvalidArgumentError('name', name, '"." and ".." are not valid namespace names');
  if (name.includes('/')) throw new InvalidArgumentError('name', name, 'a namespace name cannot contain "/"');
  if (name.includes('\0')) throw new InvalidArgumentError('name', name, 'a namespace name cannot contain NUL');
  if (Buffer.byteLength(name) > 255) throw new InvalidArgumentError('name', name, 'a namespace name is at most 255 bytes (a file name under /run/netns)');
  return name;
}
