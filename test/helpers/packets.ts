// SPDX-License-Identifier: MIT
// Packets for the tun/tap tests, built here (checksums included) independently of the kernel, and
// a reader that waits for the next matching packet.
import { TunQueue } from '../../src';

export function csum(b: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}
export const addr = (a: string) => Buffer.from(a.split('.').map(Number));
export const dotted = (b: Uint8Array) => Array.from(b).join('.');

export function ipv4(src: string, dst: string, proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = 64;
  h[9] = proto;
  addr(src).copy(h, 12);
  addr(dst).copy(h, 16);
  h.writeUInt16BE(csum(h), 10);
  return Buffer.concat([h, payload]);
}

export function icmpEcho(type: 0 | 8, id: number, seq: number, data: Buffer): Buffer {
  const m = Buffer.concat([Buffer.alloc(8), data]);
  m[0] = type;
  m.writeUInt16BE(id, 4);
  m.writeUInt16BE(seq, 6);
  m.writeUInt16BE(csum(m), 2);
  return m;
}

export function pseudoSum(src: string, dst: string, proto: number, len: number): number {
  const p = Buffer.concat([addr(src), addr(dst), Buffer.from([0, proto, len >> 8, len & 0xff])]);
  return 0xffff & ~csum(p);
}

export function udp(src: string, sport: number, dst: string, dport: number, data: Buffer): Buffer {
  const u = Buffer.concat([Buffer.alloc(8), data]);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(u.length, 4);
  u.writeUInt16BE(csum(u, pseudoSum(src, dst, 17, u.length)) || 0xffff, 6);
  return u;
}

export const isIpv4 = (p: Buffer, proto: number) => p.length >= 20 && p[0]! >> 4 === 4 && p[9] === proto;

/** Resolves with the next packet `match` accepts; leaves the queue paused, later packets buffered. */
export function nextPacket(q: TunQueue, match: (p: Buffer) => boolean, ms = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, p?: Buffer) => {
      clearTimeout(timer);
      q.off('data', onData);
      q.pause();
      if (err) reject(err);
      else resolve(p!);
    };
    const onData = (p: Buffer) => match(p) && done(null, p);
    const timer = setTimeout(() => done(new Error('no matching packet within ' + ms + ' ms')), ms);
    q.on('data', onData);
    q.resume();
  });
}
