// SPDX-License-Identifier: MIT
// What a tun/tap create asks about its device right after making it: its Link (RTM_GETLINK) and,
// when asked for, its device group (RTM_NEWLINK with IFLA_GROUP). The requests are built here and
// sent by the namespace-thread job that made the device, from that thread (native tunOpen's
// followUp): sent from the I/O thread instead, each waited for rtnl_lock in turn with the next
// create's job, a sleep and a wake-up per device; a burst of 1,000 then read them all back with one
// dump once every device was made, which still came after the last one (15-50 ms on top).

import { NetlinkError } from '../errors';
import { NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN } from '../netlink/constants';
import { ackError, parseError } from '../netlink/extack';
import { parseDatagram, requestBytes } from '../netlink/message';
import { fieldOffset } from '../netlink/schema';
import * as C from '../rtnl/constants';
import { getLinkRequest, setGroupRequest } from '../rtnl/link-requests';
import { ifinfomsg } from '../rtnl/structs';
import { Link } from './link';
import { Namespace } from './namespace';

/** Where ifinfomsg.ifi_index sits in a link request (the job writes the new device's index there). */
const INDEX_AT = NLMSG_HDRLEN + fieldOffset(ifinfomsg, 'index');

const SEQ_GROUP = 1;
const SEQ_GET = 2;

export interface FollowUp {
  request: Uint8Array;
  indexAt: Uint32Array;
  replies: number;
}

let readOnly: FollowUp | undefined;
// The creates of a burst usually share a group: the last one's requests are kept (building them
// for every call was most of a create's main-thread work until the JIT caught up).
let lastGrouped: { group: number; followUp: FollowUp } | undefined;

/** The requests for a device just made: set its group (when given), then read it back. */
export function followUpFor(deviceGroup: number | undefined): FollowUp {
  const get = () => requestBytes(getLinkRequest(0, NLM_F_REQUEST), SEQ_GET);
  // The bytes depend on the group alone (the job writes the index): built once per group.
  if (deviceGroup === undefined) return (readOnly ??= { request: get(), indexAt: Uint32Array.of(INDEX_AT), replies: 1 });
  if (lastGrouped?.group === deviceGroup) return lastGrouped.followUp;
  const set = requestBytes(setGroupRequest(0, deviceGroup, NLM_F_REQUEST | NLM_F_ACK), SEQ_GROUP);
  const read = get();
  const request = new Uint8Array(set.length + read.length);
  request.set(set);
  request.set(read, set.length);
  const followUp = { request, indexAt: Uint32Array.of(INDEX_AT, set.length + INDEX_AT), replies: 2 };
  lastGrouped = { group: deviceGroup, followUp };
  return followUp;
}

export interface FollowUpResult {
  /** The device as read back; undefined when that did not happen (the caller reads it itself). */
  link: Link | undefined;
  /** Why the device group could not be set, if it could not. */
  groupError: NetlinkError | undefined;
}

/** Reads the kernel's answers to followUpFor()'s requests. */
export function readFollowUp(ns: Namespace, replies: Uint8Array | undefined, name: string, deviceGroup: number | undefined): FollowUpResult {
  const out: FollowUpResult = { link: undefined, groupError: undefined };
  let groupAcked = false;
  for (const m of replies ? parseDatagram(replies) : []) {
    if (m.seq === SEQ_GROUP && m.type === NLMSG_ERROR) {
      const { error, extack } = parseError(m);
      groupAcked = true;
      if (error !== 0) {
        out.groupError = ackError(error, extack, { op: 'RTM_NEWLINK', describe: `set device group ${deviceGroup} on ${JSON.stringify(name)}`, seq: m.seq });
      }
    } else if (m.seq === SEQ_GET && m.type === C.RTM_NEWLINK) {
      out.link = new Link(ns, m);
    }
  }
  // No answer about the group: it may or may not be set; reading the device again tells.
  if (deviceGroup !== undefined && !groupAcked) out.link = undefined;
  return out;
}
