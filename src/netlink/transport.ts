// SPDX-License-Identifier: MIT
// What Connection needs from below: open a netlink socket in a namespace, hand bytes to the I/O
// thread, get datagrams back in batches. The addon provides it; tests may put a fake kernel here
// (test/helpers/fake-kernel.ts) and check the bytes of whole operations without a kernel or root.

import { native, NativeBinding } from '../native/binding';

export type Transport = Pick<NativeBinding, 'ioStart' | 'ioAttach' | 'ioSend' | 'ioClose' | 'ioRef' | 'ioUnref' | 'openNetlink'>;

let replacement: Transport | undefined;

/** The transport in use: the addon unless a test installed another. */
export function transport(): Transport {
  return replacement ?? native();
}

/** @internal For tests: installs `t` (undefined puts the addon back). Connections already open keep theirs. */
export function useTransport(t: Transport | undefined): void {
  replacement = t;
}
