// SPDX-License-Identifier: MIT
// Pure builders and parsers of nf_tables messages: no classes, no I/O. A message type is
// (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_*; batch markers are plain NFNL_MSG_BATCH_BEGIN/END with
// res_id = NFNL_SUBSYS_NFTABLES.

import { decodeMessageBody, encodeMessageBody, Values } from '../netlink/codec';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { batchMessage, chainMessage, genMessage, NFT_MSG_DESTROYCHAIN, NFT_MSG_DESTROYRULE, NFT_MSG_DESTROYTABLE, ruleMessage, tableMessage } from './schema';

export type NftFamily = 'inet' | 'ip' | 'ip6' | 'bridge' | 'netdev' | 'arp';

export const FAMILIES: Readonly<Record<NftFamily, number>> = {
  inet: C.NFPROTO_INET,
  ip: C.NFPROTO_IPV4,
  ip6: C.NFPROTO_IPV6,
  bridge: C.NFPROTO_BRIDGE,
  netdev: C.NFPROTO_NETDEV,
  arp: C.NFPROTO_ARP,
};

export const familyName = (n: number): string => (Object.keys(FAMILIES) as NftFamily[]).find((k) => FAMILIES[k] === n) ?? `family ${n}`;

/** The nlmsg_type of an nf_tables message. */
export const nftType = (msg: number): number => (C.NFNL_SUBSYS_NFTABLES << 8) | msg;

const MSG_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(C)) if (k.startsWith('NFT_MSG_') && typeof v === 'number') MSG_NAMES[v] = k;
/** 'NFT_MSG_NEWRULE' for a message type, for errors. */
export const nftMsgName = (type: number): string => MSG_NAMES[type & 0xff] ?? `nf_tables message ${type & 0xff}`;

const SCHEMAS: Record<number, MessageSchema> = {
  [C.NFT_MSG_NEWTABLE]: tableMessage,
  [C.NFT_MSG_GETTABLE]: tableMessage,
  [C.NFT_MSG_DELTABLE]: tableMessage,
  [NFT_MSG_DESTROYTABLE]: tableMessage,
  [C.NFT_MSG_NEWCHAIN]: chainMessage,
  [C.NFT_MSG_GETCHAIN]: chainMessage,
  [C.NFT_MSG_DELCHAIN]: chainMessage,
  [NFT_MSG_DESTROYCHAIN]: chainMessage,
  [C.NFT_MSG_NEWRULE]: ruleMessage,
  [C.NFT_MSG_GETRULE]: ruleMessage,
  [C.NFT_MSG_DELRULE]: ruleMessage,
  [NFT_MSG_DESTROYRULE]: ruleMessage,
  [C.NFT_MSG_NEWGEN]: genMessage,
  [C.NFT_MSG_GETGEN]: genMessage,
};

export function schemaOf(msg: number): MessageSchema {
  const s = SCHEMAS[msg];
  if (!s) throw new Error(`no schema for ${nftMsgName(msg)}`);
  return s;
}

/** One nf_tables request: nfgenmsg for `family` and the message's attributes. */
export function nftRequest(msg: number, family: number, flags: number, attrs: Values): RequestBuilder {
  const schema = schemaOf(msg);
  return new RequestBuilder(nftType(msg), flags, (w) => encodeMessageBody(schema, { family, version: C.NFNETLINK_V0, resId: 0 }, attrs, w));
}

/** BATCH_BEGIN (with the generation it expects, if any) or BATCH_END. */
export function batchMarker(type: typeof C.NFNL_MSG_BATCH_BEGIN | typeof C.NFNL_MSG_BATCH_END, genid?: number): RequestBuilder {
  const attrs: Values = genid === undefined ? {} : { genid };
  return new RequestBuilder(type, 0, (w) =>
    encodeMessageBody(batchMessage, { family: C.AF_UNSPEC, version: C.NFNETLINK_V0, resId: C.NFNL_SUBSYS_NFTABLES }, attrs, w),
  );
}

/** Decodes a received nf_tables message (NEWTABLE/NEWCHAIN/NEWRULE/NEWGEN ...) to its family and attributes. */
export function decodeNft(m: NlMsg): { family: number; attrs: Values } {
  const d = decodeMessageBody(schemaOf(m.type & 0xff), m.payload, 16);
  return { family: d.header.family as number, attrs: d.attrs };
}

// Userdata is a list of TLVs (type u8, len u8, value), as libnftnl writes it; type 0 is the comment
// of a table, chain, rule or set element, stored with its NUL.
const UDATA_COMMENT = 0;
/** The longest comment nft accepts. */
export const MAX_COMMENT = 128;

export function commentUserdata(comment: string): Uint8Array {
  const text = Buffer.from(`${comment}\0`, 'utf8');
  if (text.length - 1 > MAX_COMMENT) throw new RangeError(`a comment is at most ${MAX_COMMENT} bytes`);
  const out = new Uint8Array(2 + text.length);
  out[0] = UDATA_COMMENT;
  out[1] = text.length;
  out.set(text, 2);
  return out;
}

export function commentOf(userdata: Uint8Array | undefined): string | undefined {
  if (!userdata) return undefined;
  for (let at = 0; at + 2 <= userdata.length; at += 2 + userdata[at + 1]!) {
    if (userdata[at] !== UDATA_COMMENT) continue;
    const value = userdata.subarray(at + 2, at + 2 + userdata[at + 1]!);
    const end = value.indexOf(0);
    return Buffer.from(end < 0 ? value : value.subarray(0, end)).toString('utf8');
  }
  return undefined;
}
