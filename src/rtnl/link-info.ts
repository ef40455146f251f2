// SPDX-License-Identifier: MIT
// IFLA_LINKINFO: the link kind and its kind-specific data. The data's format is selected by the
// kind (a sub-message); each kind lives in its own file under kinds/ and is registered here.

import { AttrSet, defineAttrs } from '../netlink/schema';
import * as C from './constants';
import { bridgeAttrs } from './kinds/bridge';
import { bridgePortAttrs } from './kinds/bridge-port';
import { tunAttrs } from './kinds/tun';
import { vethAttrs } from './kinds/veth';

/** IFLA_INFO_DATA formats by IFLA_INFO_KIND. A kind missing here is still decoded, as raw bytes. */
export const linkKinds: Readonly<Record<string, AttrSet>> = {
  veth: vethAttrs,
  bridge: bridgeAttrs,
  tun: tunAttrs,
};

/** IFLA_INFO_SLAVE_DATA formats by IFLA_INFO_SLAVE_KIND (the port's view of its master). */
export const linkSlaveKinds: Readonly<Record<string, AttrSet>> = {
  bridge: bridgePortAttrs,
};

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
