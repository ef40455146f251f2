// SPDX-License-Identifier: MIT
// A fake kernel behind the transport seam (src/netlink/transport.ts): it records every request's
// bytes and answers with what a test's handler returns, so whole operations (Link.create with its
// lookups) can be checked byte for byte in unit tests, without the addon, root or a kernel.
import { IO_CLOSED, IO_DATA, IoEventBatch, OpenedNetlinkSocket } from '../../src/native/binding';
import { Values } from '../../src/netlink/codec';
import { NLM_F_CAPPED, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR } from '../../src/netlink/constants';
import { NlMsg, parseDatagram } from '../../src/netlink/message';
import { Transport } from '../../src/netlink/transport';
import * as C from '../../src/rtnl/constants';
import { linkRequest } from '../../src/rtnl/link-ops';

export const FAKE_PORT_ID = 4242;

/** What the fake answers to one request: whole netlink messages (see ack, linkReply). */
export type Handler = (req: NlMsg) => Uint8Array[];

export class FakeKernel implements Transport {
  /** Every request sent, as the bytes that would have reached the kernel. */
  readonly sent: NlMsg[] = [];
  private onEvents: ((batch: IoEventBatch) => void) | undefined;
  private nextFd = 10_000;

  constructor(private readonly handler: Handler) {}

  ioStart(onEvents: (batch: IoEventBatch) => void): number {
    this.onEvents = onEvents;
    return 1;
  }
  ioAttach(): void {}
  ioRef(): void {}
  ioUnref(): void {}
  openNetlink(): Promise<OpenedNetlinkSocket> {
    return Promise.resolve({ fd: this.nextFd++, portId: FAKE_PORT_ID } as OpenedNetlinkSocket);
  }
  ioSend(fd: number, requests: Uint8Array[]): void {
    for (const bytes of requests) {
      const req = parseDatagram(Uint8Array.from(bytes))[0]!;
      this.sent.push(req);
      const replies = this.handler(req);
      const datagram = Buffer.concat(replies);
      setImmediate(() => this.onEvents?.([fd, IO_DATA, new Uint8Array(datagram), 0]));
    }
  }
  ioClose(fd: number): void {
    setImmediate(() => this.onEvents?.([fd, IO_CLOSED, undefined, 0]));
  }
}

/** NLMSG_ERROR with `errno` (0: an ACK), echoing the request's header as the kernel does. */
export function ack(req: NlMsg, errno = 0): Uint8Array {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(NLMSG_ERROR, 4);
  b.writeUInt16LE(NLM_F_CAPPED, 6);
  b.writeUInt32LE(req.seq, 8);
  b.writeUInt32LE(FAKE_PORT_ID, 12);
  b.writeInt32LE(errno, 16);
  b.writeUInt32LE(req.len, 20);
  b.writeUInt16LE(req.type, 24);
  b.writeUInt16LE(req.flags, 26);
  b.writeUInt32LE(req.seq, 28);
  b.writeUInt32LE(req.pid, 32);
  return b;
}

/** An RTM_NEWLINK as the kernel sends it in answer to `req` (header fields and IFLA_* by schema key). */
export function linkReply(req: NlMsg, header: Values, attrs: Values, flags = 0): Uint8Array {
  return linkRequest(C.RTM_NEWLINK, flags, header, attrs).finish(req.seq, FAKE_PORT_ID);
}

/** NLMSG_DONE closing a dump. */
export function done(req: NlMsg): Uint8Array {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(20, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt16LE(NLM_F_MULTI, 6);
  b.writeUInt32LE(req.seq, 8);
  b.writeUInt32LE(FAKE_PORT_ID, 12);
  return b;
}
