// SPDX-License-Identifier: MIT
// Pure builders and parsers of nf_tables messages: no classes, no I/O. A message type is
// (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_*; batch markers are plain NFNL_MSG_BATCH_BEGIN/END with
// res_id = NFNL_SUBSYS_NFTABLES.

import { Reader } from '../netlink/buffer';
import { NLA_TYPE_MASK } from '../netlink/constants';
import { decodeMessageBody, encodeMessageBody, Pick, pickAttrs, pickAttrsAt, Values } from '../netlink/codec';
import { AttrSet } from '../netlink/schema';
import { DecodeError } from '../errors';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { batchMessage, chainMessage, expressionKinds, genMessage, NFT_MSG_DESTROYCHAIN, NFT_MSG_DESTROYRULE, NFT_MSG_DESTROYTABLE, ruleMessage, tableMessage } from './schema';

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

/** Only the picked attributes of a received message (no lossless bookkeeping): the fast path for dumps. */
export function pickNft(m: NlMsg, pick: Pick): Values {
  return pickAttrs(schemaOf(m.type & 0xff).attrs, m.payload.subarray(4), pick, 20);
}

// Every attribute of a set, nests included, as a pick: what `pickAttrsAt` then decodes without the
// lossless bookkeeping of decodeAttrs (a meta record per nest: for a dump of thousands of rules, most
// of the time and garbage of reading it).
const fullPicks = new Map<AttrSet, Pick>();
function pickAll(set: AttrSet): Pick {
  let p = fullPicks.get(set);
  if (!p) {
    const out: Record<string, true | Pick> = {};
    fullPicks.set(set, out); // before recursing: sets may refer to each other
    for (const [key, spec] of Object.entries(set.attrs)) out[key] = spec.type === 'nest' ? pickAll(spec.attrs()) : true;
    p = out;
  }
  return p;
}

/**
 * The expressions of a received rule message, for reading only (rendering, comparing): each
 * expression's name and data, an expression vnetkit does not describe as its raw bytes.
 */
export function readExpressions(m: NlMsg): { name: string; data: Values | Uint8Array }[] {
  const r = new Reader(m.payload, 16, 'rule');
  const out: { name: string; data: Values | Uint8Array }[] = [];
  const each = (start: number, end: number, fn: (type: number, at: number, len: number) => void) => {
    for (let at = start; at + 4 <= end; ) {
      const len = r.u16(at);
      if (len < 4 || at + len > end) throw new DecodeError(`attribute length ${len} does not fit the ${end - at} bytes left`, 'rule', 16 + at);
      fn(r.u16(at + 2) & NLA_TYPE_MASK, at + 4, len - 4);
      at += (len + 3) & ~3;
    }
  };
  each(4, m.payload.length, (type, at, len) => {
    if (type !== C.NFTA_RULE_EXPRESSIONS) return;
    each(at, at + len, (elemType, eat, elen) => {
      if (elemType !== C.NFTA_LIST_ELEM) return;
      let name = '';
      let data: [number, number] | undefined;
      each(eat, eat + elen, (t, a, l) => {
        if (t === C.NFTA_EXPR_NAME) name = Buffer.from(m.payload.subarray(a, a + l)).toString('latin1').replace(/\0.*$/s, '');
        else if (t === C.NFTA_EXPR_DATA) data = [a, l];
      });
      const variant = expressionKinds[name];
      const value = !data ? {} : variant ? pickAttrsAt(variant, r, data[0], data[0] + data[1], pickAll(variant), `expr ${name}`) : Uint8Array.from(m.payload.subarray(data[0], data[0] + data[1]));
      out.push({ name, data: value });
    });
  });
  return out;
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
