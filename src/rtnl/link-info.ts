// SPDX-License-Identifier: MIT
// IFLA_LINKINFO: the link kind and its kind-specific data. The data's format is selected by the
// kind (a sub-message); each kind's driver lives in its own file under kinds/, registered in
// kinds/index.ts.

import { defineAttrs } from '../netlink/schema';
import * as C from './constants';
import { linkKinds, linkSlaveKinds } from './kinds';

export { linkKinds, linkSlaveKinds } from './kinds';

export const linkInfoAttrs = defineAttrs('linkinfo', {
  // NLA_STRING in the kernel's policy; sent without a NUL, byte for byte as iproute2 does.
  kind: { id: C.IFLA_INFO_KIND, type: 'string', unterminated: true, orig: 'IFLA_INFO_KIND' },
  data: { id: C.IFLA_INFO_DATA, type: 'sub-message', selector: 'kind', variants: () => linkKinds, orig: 'IFLA_INFO_DATA' },
  xstats: { id: C.IFLA_INFO_XSTATS, type: 'binary', orig: 'IFLA_INFO_XSTATS' },
  slaveKind: { id: C.IFLA_INFO_SLAVE_KIND, type: 'string', unterminated: true, orig: 'IFLA_INFO_SLAVE_KIND' },
  slaveData: {
    id: C.IFLA_INFO_SLAVE_DATA,
    type: 'sub-message',
    selector: 'slaveKind',
    variants: () => linkSlaveKinds,
    orig: 'IFLA_INFO_SLAVE_DATA',
  },
});
