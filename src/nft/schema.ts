// SPDX-License-Identifier: MIT
// nf_tables over nfnetlink (linux/netfilter/nf_tables.h): struct nfgenmsg, and the attribute trees
// of tables, chains, rules and expressions. Every integer inside an nf_tables attribute is
// big-endian (NLA_BE32/NLA_BE64), registers and hook numbers included; only nlmsghdr is host order.
// Each expression's data is a sub-message selected by its name; an expression not described here
// decodes to raw bytes and re-encodes unchanged.

import { AttrSet, defineAttrs, MessageSchema, StructSpec } from '../netlink/schema';
import * as C from './constants';

/** NFT_TABLE_F_PERSIST (Linux 6.9): absent from the UAPI headers installed here, so defined by hand. */
export const NFT_TABLE_F_PERSIST = 0x4;
/**
 * NFT_MSG_DESTROY{TABLE,CHAIN,RULE} (Linux 6.3): delete, answering 0 when the object is absent.
 * Also newer than the installed headers; the values follow NFT_MSG_GETRULE_RESET (25) in the enum.
 */
export const NFT_MSG_DESTROYTABLE = 26;
export const NFT_MSG_DESTROYCHAIN = 27;
export const NFT_MSG_DESTROYRULE = 28;

/** struct nfgenmsg: the 4-byte header of every nfnetlink message (res_id is big-endian). */
export const nfgenmsg: StructSpec = {
  name: 'nfgenmsg',
  size: 4,
  fields: [
    { name: 'family', type: 'u8' },
    { name: 'version', type: 'u8' },
    { name: 'resId', type: 'u16', byteOrder: 'be' },
  ],
};

// Attribute specs by wire type; nfnetlink's integers are big-endian (conntrack's too).
export const be16 = (id: number, orig: string) => ({ id, type: 'u16', byteOrder: 'be', orig }) as const;
export const be32 = (id: number, orig: string) => ({ id, type: 'u32', byteOrder: 'be', orig }) as const;
const sbe32 = (id: number, orig: string) => ({ id, type: 's32', byteOrder: 'be', orig }) as const;
const be64 = (id: number, orig: string) => ({ id, type: 'u64', byteOrder: 'be', orig }) as const;
const str = (id: number, orig: string) => ({ id, type: 'string', orig }) as const;
export const bin = (id: number, orig: string) => ({ id, type: 'binary', orig }) as const;

export const verdictAttrs = defineAttrs('verdict', {
  code: sbe32(C.NFTA_VERDICT_CODE, 'NFTA_VERDICT_CODE'),
  chain: str(C.NFTA_VERDICT_CHAIN, 'NFTA_VERDICT_CHAIN'),
  chainId: be32(C.NFTA_VERDICT_CHAIN_ID, 'NFTA_VERDICT_CHAIN_ID'),
});

/** struct nft_data: a value (at most 64 bytes) or a verdict. */
export const dataAttrs = defineAttrs('data', {
  value: bin(C.NFTA_DATA_VALUE, 'NFTA_DATA_VALUE'),
  verdict: { id: C.NFTA_DATA_VERDICT, type: 'nest', nestedFlag: true, attrs: () => verdictAttrs, orig: 'NFTA_DATA_VERDICT' },
});

const data = (id: number, orig: string) => ({ id, type: 'nest', nestedFlag: true, attrs: () => dataAttrs, orig }) as const;

const payload = defineAttrs('payload', {
  dreg: be32(C.NFTA_PAYLOAD_DREG, 'NFTA_PAYLOAD_DREG'),
  base: be32(C.NFTA_PAYLOAD_BASE, 'NFTA_PAYLOAD_BASE'),
  offset: be32(C.NFTA_PAYLOAD_OFFSET, 'NFTA_PAYLOAD_OFFSET'),
  len: be32(C.NFTA_PAYLOAD_LEN, 'NFTA_PAYLOAD_LEN'),
  sreg: be32(C.NFTA_PAYLOAD_SREG, 'NFTA_PAYLOAD_SREG'),
  csumType: be32(C.NFTA_PAYLOAD_CSUM_TYPE, 'NFTA_PAYLOAD_CSUM_TYPE'),
  csumOffset: be32(C.NFTA_PAYLOAD_CSUM_OFFSET, 'NFTA_PAYLOAD_CSUM_OFFSET'),
  csumFlags: be32(C.NFTA_PAYLOAD_CSUM_FLAGS, 'NFTA_PAYLOAD_CSUM_FLAGS'),
});

const cmp = defineAttrs('cmp', {
  sreg: be32(C.NFTA_CMP_SREG, 'NFTA_CMP_SREG'),
  op: be32(C.NFTA_CMP_OP, 'NFTA_CMP_OP'),
  data: data(C.NFTA_CMP_DATA, 'NFTA_CMP_DATA'),
});

const bitwise = defineAttrs('bitwise', {
  sreg: be32(C.NFTA_BITWISE_SREG, 'NFTA_BITWISE_SREG'),
  dreg: be32(C.NFTA_BITWISE_DREG, 'NFTA_BITWISE_DREG'),
  len: be32(C.NFTA_BITWISE_LEN, 'NFTA_BITWISE_LEN'),
  mask: data(C.NFTA_BITWISE_MASK, 'NFTA_BITWISE_MASK'),
  xor: data(C.NFTA_BITWISE_XOR, 'NFTA_BITWISE_XOR'),
  op: be32(C.NFTA_BITWISE_OP, 'NFTA_BITWISE_OP'),
  data: data(C.NFTA_BITWISE_DATA, 'NFTA_BITWISE_DATA'),
});

const meta = defineAttrs('meta', {
  dreg: be32(C.NFTA_META_DREG, 'NFTA_META_DREG'),
  key: be32(C.NFTA_META_KEY, 'NFTA_META_KEY'),
  sreg: be32(C.NFTA_META_SREG, 'NFTA_META_SREG'),
});

const immediate = defineAttrs('immediate', {
  dreg: be32(C.NFTA_IMMEDIATE_DREG, 'NFTA_IMMEDIATE_DREG'),
  data: data(C.NFTA_IMMEDIATE_DATA, 'NFTA_IMMEDIATE_DATA'),
});

const nat = defineAttrs('nat', {
  type: be32(C.NFTA_NAT_TYPE, 'NFTA_NAT_TYPE'),
  family: be32(C.NFTA_NAT_FAMILY, 'NFTA_NAT_FAMILY'),
  regAddrMin: be32(C.NFTA_NAT_REG_ADDR_MIN, 'NFTA_NAT_REG_ADDR_MIN'),
  regAddrMax: be32(C.NFTA_NAT_REG_ADDR_MAX, 'NFTA_NAT_REG_ADDR_MAX'),
  regProtoMin: be32(C.NFTA_NAT_REG_PROTO_MIN, 'NFTA_NAT_REG_PROTO_MIN'),
  regProtoMax: be32(C.NFTA_NAT_REG_PROTO_MAX, 'NFTA_NAT_REG_PROTO_MAX'),
  flags: be32(C.NFTA_NAT_FLAGS, 'NFTA_NAT_FLAGS'),
});

const masq = defineAttrs('masq', {
  flags: be32(C.NFTA_MASQ_FLAGS, 'NFTA_MASQ_FLAGS'),
  regProtoMin: be32(C.NFTA_MASQ_REG_PROTO_MIN, 'NFTA_MASQ_REG_PROTO_MIN'),
  regProtoMax: be32(C.NFTA_MASQ_REG_PROTO_MAX, 'NFTA_MASQ_REG_PROTO_MAX'),
});

const redir = defineAttrs('redir', {
  regProtoMin: be32(C.NFTA_REDIR_REG_PROTO_MIN, 'NFTA_REDIR_REG_PROTO_MIN'),
  regProtoMax: be32(C.NFTA_REDIR_REG_PROTO_MAX, 'NFTA_REDIR_REG_PROTO_MAX'),
  flags: be32(C.NFTA_REDIR_FLAGS, 'NFTA_REDIR_FLAGS'),
});

const counter = defineAttrs('counter', {
  bytes: be64(C.NFTA_COUNTER_BYTES, 'NFTA_COUNTER_BYTES'),
  packets: be64(C.NFTA_COUNTER_PACKETS, 'NFTA_COUNTER_PACKETS'),
});

const ct = defineAttrs('ct', {
  dreg: be32(C.NFTA_CT_DREG, 'NFTA_CT_DREG'),
  key: be32(C.NFTA_CT_KEY, 'NFTA_CT_KEY'),
  direction: { id: C.NFTA_CT_DIRECTION, type: 'u8', orig: 'NFTA_CT_DIRECTION' },
  sreg: be32(C.NFTA_CT_SREG, 'NFTA_CT_SREG'),
});

const fib = defineAttrs('fib', {
  dreg: be32(C.NFTA_FIB_DREG, 'NFTA_FIB_DREG'),
  result: be32(C.NFTA_FIB_RESULT, 'NFTA_FIB_RESULT'),
  flags: be32(C.NFTA_FIB_FLAGS, 'NFTA_FIB_FLAGS'),
});

const lookup = defineAttrs('lookup', {
  set: str(C.NFTA_LOOKUP_SET, 'NFTA_LOOKUP_SET'),
  sreg: be32(C.NFTA_LOOKUP_SREG, 'NFTA_LOOKUP_SREG'),
  dreg: be32(C.NFTA_LOOKUP_DREG, 'NFTA_LOOKUP_DREG'),
  setId: be32(C.NFTA_LOOKUP_SET_ID, 'NFTA_LOOKUP_SET_ID'),
  flags: be32(C.NFTA_LOOKUP_FLAGS, 'NFTA_LOOKUP_FLAGS'),
});

const reject = defineAttrs('reject', {
  type: be32(C.NFTA_REJECT_TYPE, 'NFTA_REJECT_TYPE'),
  icmpCode: { id: C.NFTA_REJECT_ICMP_CODE, type: 'u8', orig: 'NFTA_REJECT_ICMP_CODE' },
});

const limit = defineAttrs('limit', {
  rate: be64(C.NFTA_LIMIT_RATE, 'NFTA_LIMIT_RATE'),
  unit: be64(C.NFTA_LIMIT_UNIT, 'NFTA_LIMIT_UNIT'),
  burst: be32(C.NFTA_LIMIT_BURST, 'NFTA_LIMIT_BURST'),
  type: be32(C.NFTA_LIMIT_TYPE, 'NFTA_LIMIT_TYPE'),
  flags: be32(C.NFTA_LIMIT_FLAGS, 'NFTA_LIMIT_FLAGS'),
});

const log = defineAttrs('log', {
  group: { id: C.NFTA_LOG_GROUP, type: 'u16', byteOrder: 'be', orig: 'NFTA_LOG_GROUP' },
  prefix: str(C.NFTA_LOG_PREFIX, 'NFTA_LOG_PREFIX'),
  snaplen: be32(C.NFTA_LOG_SNAPLEN, 'NFTA_LOG_SNAPLEN'),
  qthreshold: { id: C.NFTA_LOG_QTHRESHOLD, type: 'u16', byteOrder: 'be', orig: 'NFTA_LOG_QTHRESHOLD' },
  level: be32(C.NFTA_LOG_LEVEL, 'NFTA_LOG_LEVEL'),
  flags: be32(C.NFTA_LOG_FLAGS, 'NFTA_LOG_FLAGS'),
});

/** Expression data formats by expression name. Others (compat match/target, ...) stay raw bytes. */
export const expressionKinds: Readonly<Record<string, AttrSet>> = {
  payload, cmp, bitwise, meta, immediate, nat, masq, redir, counter, ct, fib, lookup, reject, limit, log,
};

export const expressionAttrs = defineAttrs('expr', {
  name: str(C.NFTA_EXPR_NAME, 'NFTA_EXPR_NAME'),
  data: { id: C.NFTA_EXPR_DATA, type: 'sub-message', selector: 'name', variants: () => expressionKinds, nestedFlag: true, orig: 'NFTA_EXPR_DATA' },
});

export const expressionListAttrs = defineAttrs('expressions', {
  elem: { id: C.NFTA_LIST_ELEM, type: 'nest', multi: true, nestedFlag: true, attrs: () => expressionAttrs, orig: 'NFTA_LIST_ELEM' },
});

export const tableAttrs = defineAttrs('table', {
  name: str(C.NFTA_TABLE_NAME, 'NFTA_TABLE_NAME'),
  flags: be32(C.NFTA_TABLE_FLAGS, 'NFTA_TABLE_FLAGS'),
  use: be32(C.NFTA_TABLE_USE, 'NFTA_TABLE_USE'),
  handle: be64(C.NFTA_TABLE_HANDLE, 'NFTA_TABLE_HANDLE'),
  userdata: bin(C.NFTA_TABLE_USERDATA, 'NFTA_TABLE_USERDATA'),
  owner: be32(C.NFTA_TABLE_OWNER, 'NFTA_TABLE_OWNER'),
});

export const hookAttrs = defineAttrs('hook', {
  hooknum: be32(C.NFTA_HOOK_HOOKNUM, 'NFTA_HOOK_HOOKNUM'),
  priority: sbe32(C.NFTA_HOOK_PRIORITY, 'NFTA_HOOK_PRIORITY'),
  dev: str(C.NFTA_HOOK_DEV, 'NFTA_HOOK_DEV'),
});

export const chainAttrs = defineAttrs('chain', {
  table: str(C.NFTA_CHAIN_TABLE, 'NFTA_CHAIN_TABLE'),
  handle: be64(C.NFTA_CHAIN_HANDLE, 'NFTA_CHAIN_HANDLE'),
  name: str(C.NFTA_CHAIN_NAME, 'NFTA_CHAIN_NAME'),
  type: str(C.NFTA_CHAIN_TYPE, 'NFTA_CHAIN_TYPE'),
  policy: be32(C.NFTA_CHAIN_POLICY, 'NFTA_CHAIN_POLICY'),
  hook: { id: C.NFTA_CHAIN_HOOK, type: 'nest', nestedFlag: true, attrs: () => hookAttrs, orig: 'NFTA_CHAIN_HOOK' },
  use: be32(C.NFTA_CHAIN_USE, 'NFTA_CHAIN_USE'),
  flags: be32(C.NFTA_CHAIN_FLAGS, 'NFTA_CHAIN_FLAGS'),
  id: be32(C.NFTA_CHAIN_ID, 'NFTA_CHAIN_ID'),
  userdata: bin(C.NFTA_CHAIN_USERDATA, 'NFTA_CHAIN_USERDATA'),
});

export const ruleAttrs = defineAttrs('rule', {
  table: str(C.NFTA_RULE_TABLE, 'NFTA_RULE_TABLE'),
  chain: str(C.NFTA_RULE_CHAIN, 'NFTA_RULE_CHAIN'),
  handle: be64(C.NFTA_RULE_HANDLE, 'NFTA_RULE_HANDLE'),
  expressions: { id: C.NFTA_RULE_EXPRESSIONS, type: 'nest', nestedFlag: true, attrs: () => expressionListAttrs, orig: 'NFTA_RULE_EXPRESSIONS' },
  position: be64(C.NFTA_RULE_POSITION, 'NFTA_RULE_POSITION'),
  userdata: bin(C.NFTA_RULE_USERDATA, 'NFTA_RULE_USERDATA'),
  id: be32(C.NFTA_RULE_ID, 'NFTA_RULE_ID'),
});

export const genAttrs = defineAttrs('gen', {
  id: be32(C.NFTA_GEN_ID, 'NFTA_GEN_ID'),
  procPid: be32(C.NFTA_GEN_PROC_PID, 'NFTA_GEN_PROC_PID'),
  procName: str(C.NFTA_GEN_PROC_NAME, 'NFTA_GEN_PROC_NAME'),
});

export const batchAttrs = defineAttrs('batch', {
  genid: be32(C.NFNL_BATCH_GENID, 'NFNL_BATCH_GENID'),
});

const message = (name: string, attrs: AttrSet): MessageSchema => ({ name, header: nfgenmsg, attrs });
export const tableMessage = message('table', tableAttrs);
export const chainMessage = message('chain', chainAttrs);
export const ruleMessage = message('rule', ruleAttrs);
export const genMessage = message('gen', genAttrs);
export const batchMessage = message('batch', batchAttrs);
