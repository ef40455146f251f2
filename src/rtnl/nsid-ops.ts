// SPDX-License-Identifier: MIT
// Network namespace ids (linux/net_namespace.h): RTM_{NEW,GET}NSID carry struct rtgenmsg (padded
// to 4 bytes) and NETNSA_* attributes. An nsid is a number one namespace uses for another.

import { decodeMessageBody, encodeMessageBody, Values } from '../netlink/codec';
import { NlMsg, RequestBuilder } from '../netlink/message';
import { defineAttrs, MessageSchema } from '../netlink/schema';
import * as C from './constants';
import { rtgenmsg } from './structs';

export const nsidAttrs = defineAttrs('netns', {
  nsid: { id: C.NETNSA_NSID, type: 's32', orig: 'NETNSA_NSID' },
  pid: { id: C.NETNSA_PID, type: 'u32', orig: 'NETNSA_PID' },
  fd: { id: C.NETNSA_FD, type: 'u32', orig: 'NETNSA_FD' },
  targetNsid: { id: C.NETNSA_TARGET_NSID, type: 's32', orig: 'NETNSA_TARGET_NSID' },
  currentNsid: { id: C.NETNSA_CURRENT_NSID, type: 's32', orig: 'NETNSA_CURRENT_NSID' },
});

export const nsidMessage: MessageSchema = { name: 'netns', header: rtgenmsg, attrs: nsidAttrs };

export function nsidRequest(type: number, attrs: Values): RequestBuilder {
  return new RequestBuilder(type, 0, (w) => encodeMessageBody(nsidMessage, { family: C.AF_UNSPEC }, attrs, w));
}

export function decodeNsid(msg: NlMsg): Values {
  return decodeMessageBody(nsidMessage, msg.payload, 16).attrs;
}
