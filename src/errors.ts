// SPDX-License-Identifier: MIT
// Every failure vnetkit reports is one of these, all defined in this module. They carry what a
// caller needs to act: the errno code, the operation, the kernel's own explanation (extended ACK),
// which attribute of the request it blames, and what the caller asked for.
//
//   VnetkitError                      code; everything below `instanceof VnetkitError`
//   ├── NetlinkError                  the kernel refused a request: errno, op, request, kernelMessage, attrPath
//   │   ├── KernelFeatureError        a link kind or feature the running kernel lacks (feature)
//   │   ├── LinkNotFoundError         ENODEV: no such link (link, namespace)
//   │   └── LinkExistsError           EEXIST on a veth create: which end's name was taken (end, linkName)
//   ├── InvalidArgumentError          bad input, refused before the kernel (argument, value)
//   │   └── SysctlError               a sysctl key or value the kernel refused (key, reason, restored)
//   ├── NamespaceError                a system call of a namespace operation failed (errno, syscall, path)
//   ├── TunTapError                   a TUN/TAP operation failed (errno, syscall, reason)
//   ├── NetnsImmutableError           the device cannot change namespace (lo, bridges, ...)
//   ├── DumpInterruptedError          a dump kept being interrupted (partial)
//   ├── BatchError                    an nf_tables batch the kernel refused, none of it applied (failures)
//   ├── DecodeError / EncodeError     bytes that do not parse / values that cannot be encoded (path)
//   └── ClosedError                   a handle used after close()

import { getSystemErrorMap } from 'node:util';

const systemErrors = getSystemErrorMap();

// libuv names errno 95 ENOTSUP; the kernel (and its docs, and iproute2) say EOPNOTSUPP, the same
// number on Linux. Netlink users will look for the kernel's name. ERESTART (85) libuv does not name
// at all; nf_tables answers it to a batch whose generation is stale.
const LINUX_NAMES: Record<number, string> = { 85: 'ERESTART', 95: 'EOPNOTSUPP' };

/** 'EEXIST' for 17 or -17; 'E<n>' when libuv has no name for it. */
export function errnoCode(errno: number): string {
  const n = Math.abs(errno);
  return LINUX_NAMES[n] ?? systemErrors.get(-n)?.[0] ?? `E${n}`;
}

/** libuv's description, e.g. 'file already exists'. */
export function errnoMessage(errno: number): string {
  return systemErrors.get(-Math.abs(errno))?.[1] ?? `error ${Math.abs(errno)}`;
}

/** Base class, so `err instanceof VnetkitError` catches everything this library throws. */
export class VnetkitError extends Error {
  override name = 'VnetkitError';
  code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The kernel's extended ACK (NETLINK_EXT_ACK), decoded. */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's explanation, e.g. "Unknown device type". */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset into our request of the attribute the kernel blames. */
  offset?: number;
  /** That offset mapped back to the attribute's path in the request, e.g. `linkinfo.data.peer.ifname`. */
  attrPath?: string;
  /** NLMSGERR_ATTR_MISS_TYPE: an attribute the kernel needed and did not get. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest that lacked it. */
  missingNest?: number;
  /** NLMSGERR_ATTR_COOKIE. */
  cookie?: Uint8Array;
  /** NLMSGERR_ATTR_POLICY, raw. */
  policy?: Uint8Array;
}

export interface NetlinkErrorInit {
  errno: number;
  op: string;
  request?: string;
  extack?: ExtAck;
  seq?: number;
}

/** The kernel refused a netlink request. `code`/`errno` follow Node's system error convention. */
export class NetlinkError extends VnetkitError {
  override name = 'NetlinkError';
  /** Negative errno, as Node reports system errors on Linux. */
  errno: number;
  /** The request type, e.g. 'RTM_NEWLINK'. */
  op: string;
  /** What the caller asked for, in words (e.g. `create veth "va" (peer "vb")`). */
  request?: string;
  /** The kernel's extended ACK message, when it sent one. */
  kernelMessage?: string;
  /** Path of the offending attribute in the request, when the kernel gave an offset. */
  attrPath?: string;
  extack?: ExtAck;
  seq?: number;

  constructor(init: NetlinkErrorInit, hint?: string) {
    const errno = -Math.abs(init.errno);
    const code = errnoCode(errno);
    let message = `${init.op}${init.request ? ` (${init.request})` : ''} failed: ${code}: ${errnoMessage(errno)}`;
    if (init.extack?.message) message += `; kernel says: "${init.extack.message}"`;
    if (init.extack?.attrPath) message += ` [attribute ${init.extack.attrPath}]`;
    if (hint) message += `. ${hint}`;
    super(message, code);
    this.errno = errno;
    this.op = init.op;
    if (init.request !== undefined) this.request = init.request;
    if (init.extack) {
      this.extack = init.extack;
      if (init.extack.message !== undefined) this.kernelMessage = init.extack.message;
      if (init.extack.attrPath !== undefined) this.attrPath = init.extack.attrPath;
    }
    if (init.seq !== undefined) this.seq = init.seq;
  }
}

/** The running kernel lacks a feature the request needs (e.g. a link kind it was built without). */
export class KernelFeatureError extends NetlinkError {
  override name = 'KernelFeatureError';
  /** What is missing, e.g. `link kind "dummy"`. */
  feature: string;
  constructor(init: NetlinkErrorInit, feature: string, hint: string) {
    super(init, hint);
    this.feature = feature;
  }
}

/** A dump kept being interrupted by concurrent changes (NLM_F_DUMP_INTR) after every retry. */
export class DumpInterruptedError<T = unknown> extends VnetkitError {
  override name = 'DumpInterruptedError';
  constructor(
    readonly op: string,
    readonly attempts: number,
    /** What the last attempt returned; it may be inconsistent. */
    readonly partial: T[],
  ) {
    super(`${op} dump was interrupted by concurrent changes ${attempts} times; results may be inconsistent`, 'EINTR');
  }
}

/** Bytes that do not parse: a truncated message, a bad length, a missing terminator. */
export class DecodeError extends VnetkitError {
  override name = 'DecodeError';
  constructor(
    message: string,
    /** Where in the schema the decoder was, e.g. `linkinfo.data`. */
    readonly path: string,
    /** Byte offset in the message. */
    readonly offset: number,
  ) {
    super(`cannot decode${path ? ` ${path}` : ''}: ${message}`, 'ERR_VNETKIT_DECODE');
  }
}

/** A value that cannot be encoded for its attribute (wrong type, out of range). */
export class EncodeError extends VnetkitError {
  override name = 'EncodeError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`cannot encode ${path}: ${message}`, 'ERR_VNETKIT_ENCODE');
  }
}

/** A value as JSON where it has a JSON form; BigInts, functions and cycles must not throw here. */
function showValue(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Bad input caught before anything was sent to the kernel. */
export class InvalidArgumentError extends VnetkitError {
  override name = 'InvalidArgumentError';
  constructor(
    /** Which argument, e.g. 'name' or 'peer.name'. */
    readonly argument: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid ${argument} ${showValue(value)}: ${reason}`, 'ERR_INVALID_ARG_VALUE');
  }
}

/** A socket or namespace handle was used after close(). */
export class ClosedError extends VnetkitError {
  override name = 'ClosedError';
  constructor(what: string) {
    super(`${what} is closed`, 'ERR_VNETKIT_CLOSED');
  }
}

/** The link asked for does not exist (ENODEV): a NetlinkError, as the kernel's answer it stands for. */
export class LinkNotFoundError extends NetlinkError {
  override name = 'LinkNotFoundError';
  constructor(
    readonly link: string | number,
    readonly namespace?: string,
    cause?: NetlinkError,
  ) {
    super({ errno: 19, op: cause?.op ?? 'RTM_GETLINK', ...(cause?.request !== undefined && { request: cause.request }), ...(cause?.extack && { extack: cause.extack }) });
    this.message = `link ${typeof link === 'number' ? `with index ${link}` : `"${link}"`} not found${namespace ? ` in ${namespace}` : ''}`;
  }
}

/** A veth create found a name already taken (EEXIST); `end` says which one. Nothing was created. */
export class LinkExistsError extends NetlinkError {
  override name = 'LinkExistsError';
  constructor(
    cause: NetlinkError,
    readonly end: 'local' | 'peer',
    readonly linkName: string,
    readonly namespaceLabel: string,
  ) {
    super(
      { errno: cause.errno, op: cause.op, ...(cause.request ? { request: cause.request } : {}), ...(cause.extack ? { extack: cause.extack } : {}) },
      `The ${end} end's name ${JSON.stringify(linkName)} is already taken in ${namespaceLabel}`,
    );
  }
}

/** The device cannot change namespace (lo, bridges, bonds, fallback tunnels, ...). */
export class NetnsImmutableError extends VnetkitError {
  override name = 'NetnsImmutableError';
  errno = -22;
  constructor(
    readonly link: string,
    readonly kind: string | undefined,
    cause?: unknown,
  ) {
    super(
      `cannot move ${JSON.stringify(link)}${kind ? ` (${kind})` : ''} to another network namespace: ` +
        'the kernel marks this device netns-local (lo, bridges, bonds, OVS ports and fallback tunnels stay where they were created); ' +
        'create a new one in the target namespace instead',
      'EINVAL',
      { cause },
    );
  }
}

/** A namespace operation failed in a system call (open, mount, setns, unshare, ...). */
export class NamespaceError extends VnetkitError {
  override name = 'NamespaceError';
  errno: number;
  syscall: string | undefined;
  path: string | undefined;
  constructor(message: string, code: string, errno: number, syscall?: string, path?: string, cause?: unknown) {
    super(message, code, { cause });
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
  }
}

/** Why a TUN/TAP operation failed; see `TunTapError.reason`. */
export type TunTapFailure =
  | 'no-tun-device' // /dev/net/tun is missing (tun module not loaded, or no device node)
  | 'permission' // EPERM/EACCES: needs CAP_NET_ADMIN, or being the device's owner/group
  | 'name-in-use' // the name belongs to another device (a non-tun one, or any one on create)
  | 'mode-mismatch' // attaching with a different mode (tun/tap) or multi-queue setting than the device has
  | 'busy' // a single-queue device already attached to another file descriptor
  | 'not-found' // open() of a device that does not exist
  | 'invalid-owner' // TUNSETOWNER refused the uid (not mapped in this user namespace)
  | 'invalid-group' // TUNSETGROUP refused the gid
  | 'device-removed' // the device was deleted while open
  | 'system'; // anything else; see code and syscall

/** A TUN/TAP device could not be created, attached, configured or used. Shaped like Node's system errors. */
export class TunTapError extends VnetkitError {
  override name = 'TunTapError';
  /** Negative errno, as Node reports system errors on Linux. */
  errno: number;
  /** 'open', 'ioctl', 'read', 'write'. */
  syscall: string;
  /** The ioctl or file involved: 'TUNSETIFF', '/dev/net/tun', ... */
  path?: string;
  /** The device name, when known. */
  device?: string;
  reason: TunTapFailure;
  constructor(message: string, init: { errno: number; code?: string; syscall: string; path?: string; device?: string; reason: TunTapFailure; cause?: unknown }) {
    super(message, init.code ?? errnoCode(init.errno), init.cause === undefined ? undefined : { cause: init.cause });
    this.errno = -Math.abs(init.errno);
    this.syscall = init.syscall;
    if (init.path !== undefined) this.path = init.path;
    if (init.device !== undefined) this.device = init.device;
    this.reason = init.reason;
  }
}

/** Why a sysctl was refused; see `SysctlError.reason`. */
export type SysctlFailure =
  | 'unknown-key' // ENOENT: no such entry in that namespace (typo, module not loaded, interface gone, host-wide key)
  | 'read-only' // the entry's mode has no write bit (e.g. net.ipv4.tcp_available_congestion_control)
  | 'write-only' // get of an action such as net.ipv4.route.flush (mode 0200)
  | 'invalid-value'; // the kernel refused the value (EINVAL, ERANGE, ...)

/**
 * The kernel refused a sysctl key or value: an `InvalidArgumentError` (the caller asked for
 * something that cannot be), with the errno of the refusal as `code`/`errno` and the key, its file,
 * and the value. A refused `set` wrote nothing: see `notRestored` for the rare exception.
 */
export class SysctlError extends InvalidArgumentError {
  override name = 'SysctlError';
  /** Negative errno, as Node reports system errors on Linux. */
  errno: number;
  syscall: string;
  reason: SysctlFailure;
  /** The key as sysctl(8) spells it, e.g. 'net.ipv4.ip_default_ttl'. */
  key: string;
  /** Its file, e.g. '/proc/sys/net/ipv4/ip_default_ttl'. */
  path: string;
  /** Keys of the same set() already written and then put back to their old values. */
  restored: string[] = [];
  /** Keys written that could not be put back (empty unless the kernel refused the old value too). */
  notRestored: string[] = [];
  constructor(message: string, init: { errno: number; syscall: string; reason: SysctlFailure; key: string; path: string; value?: string }) {
    super(init.value === undefined ? 'key' : `value of ${init.key}`, init.value ?? init.key, message);
    this.message = message;
    this.code = errnoCode(init.errno);
    this.errno = -Math.abs(init.errno);
    this.syscall = init.syscall;
    this.reason = init.reason;
    this.key = init.key;
    this.path = init.path;
  }
}

/** A batch whose messages the kernel refused: nothing of it was applied. `code` is the first refusal's. */
export class BatchError extends VnetkitError {
  override name = 'BatchError';
  constructor(
    /** Each refused message: its index in the batch and its NetlinkError. */
    readonly failures: readonly { index: number; error: Error }[],
    readonly size: number,
  ) {
    super(
      failures.length === 1
        ? `${failures[0]!.error.message} (message ${failures[0]!.index + 1} of a batch of ${size}; nothing in the batch was applied)`
        : `${failures.length} of ${size} messages of a batch were refused, so none was applied; the first: ${failures[0]!.error.message}`,
      (failures[0]!.error as { code?: string }).code ?? 'EINVAL',
    );
  }
}
