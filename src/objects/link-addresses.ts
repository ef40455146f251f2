// SPDX-License-Identifier: MIT
// Address methods of Link (the operations live in address.ts). Added to the class here, through
// declaration merging, so link.ts keeps to the link itself.

import { addAddress, AddAddressOptions, Address, listAddresses, removeAddress } from './address';
import { Link } from './link';
import type { IpVersion } from '../rtnl/addr-ops';

declare module './link' {
  interface Link {
    /**
     * Adds an IPv4 or IPv6 address ('10.0.0.1/24', '2001:db8::1/64'). Bad CIDRs are refused before
     * the kernel sees them; `replace` makes an existing address not an error.
     *
     * Equivalent to: `ip addr add|replace CIDR dev NAME`
     */
    addAddress(cidr: string, options?: AddAddressOptions): Promise<void>;
    /**
     * Removes an address.
     *
     * Equivalent to: `ip addr del CIDR dev NAME`
     */
    removeAddress(cidr: string): Promise<void>;
    /**
     * This link's addresses.
     *
     * Equivalent to: `ip addr show dev NAME`
     */
    addresses(family?: IpVersion): Promise<Address[]>;
  }
}

Link.prototype.addAddress = function (this: Link, cidr: string, options?: AddAddressOptions): Promise<void> {
  return addAddress(this.namespace, this.index, cidr, options);
};
Link.prototype.removeAddress = function (this: Link, cidr: string): Promise<void> {
  return removeAddress(this.namespace, this.index, cidr);
};
Link.prototype.addresses = function (this: Link, family?: IpVersion): Promise<Address[]> {
  return listAddresses(this.namespace, family === undefined ? { ifindex: this.index } : { ifindex: this.index, family });
};
