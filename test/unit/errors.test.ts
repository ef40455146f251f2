// SPDX-License-Identifier: MIT
// The error hierarchy: one module, one base class, and the places each class sits in it.
import * as api from '../../src';
import { InvalidArgumentError, LinkExistsError, LinkNotFoundError, NetlinkError, VnetkitError } from '../../src/errors';

test('every exported error class is a VnetkitError', () => {
  const classes = Object.entries(api).filter(([k, v]) => typeof v === 'function' && /Error$/.test(k));
  expect(classes.length).toBeGreaterThanOrEqual(14);
  for (const [name, cls] of classes) expect([name, (cls as { prototype: unknown }).prototype instanceof VnetkitError || cls === VnetkitError]).toEqual([name, true]);
});

test('LinkNotFoundError is a NetlinkError (ENODEV) that names the link', () => {
  const cause = new NetlinkError({ errno: -19, op: 'RTM_DELLINK', request: 'delete "x"' });
  const e = new LinkNotFoundError('x', 'namespace "a"', cause);
  expect(e).toBeInstanceOf(NetlinkError);
  expect(e).toMatchObject({ code: 'ENODEV', errno: -19, op: 'RTM_DELLINK', request: 'delete "x"', link: 'x', name: 'LinkNotFoundError' });
  expect(e.message).toBe('link "x" not found in namespace "a"');
  expect(new LinkNotFoundError(7).message).toBe('link with index 7 not found');
  expect(new LinkExistsError(new NetlinkError({ errno: -17, op: 'RTM_NEWLINK' }), 'peer', 'vb', 'ns')).toBeInstanceOf(NetlinkError);
});

test('InvalidArgumentError never throws while describing a value', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(new InvalidArgumentError('a', 10n, 'r').message).toBe('invalid a "10n": r');
  expect(new InvalidArgumentError('a', cyclic, 'r').message).toContain('[object Object]');
  expect(new InvalidArgumentError('a', undefined, 'r').message).toBe('invalid a undefined: r');
});
