// SPDX-License-Identifier: MIT
// The filter of `ns.deleteLinks()`, checked strictly: it decides what a destructive call removes,
// so a misspelt key, a key whose value is undefined, or a string where a list is expected must be
// refused, never read as "no condition" (which would match every link).

import { InvalidArgumentError } from '../errors';
import { validateIfName, validateUint } from '../util/validate';
import type { Link } from './link';

/** Which links of a namespace `ns.deleteLinks()` removes. `lo` is never among them. */
export type LinkFilter = { kind?: string; names?: readonly string[]; namePrefix?: string; group?: number } | ((link: Link) => boolean);

const KEYS = ['kind', 'names', 'namePrefix', 'group'] as const;

/** The filter as given, or InvalidArgumentError naming what is wrong with it. */
export function validateLinkFilter(filter: unknown): LinkFilter {
  if (typeof filter === 'function') return filter as LinkFilter;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new InvalidArgumentError('filter', Array.isArray(filter) ? '[array]' : filter, 'expected { kind?, names?, namePrefix?, group? } or a function (link) => boolean');
  }
  const keys = Object.keys(filter);
  for (const key of keys) {
    if (!(KEYS as readonly string[]).includes(key)) {
      const near = KEYS.find((k) => closeTo(k, key));
      throw new InvalidArgumentError('filter', `{ ${key}: ... }`, `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; the keys are ${KEYS.join(', ')}`);
    }
    if ((filter as Record<string, unknown>)[key] === undefined) {
      throw new InvalidArgumentError(`filter.${key}`, undefined, 'a key that is given must have a value: an undefined condition would match every link');
    }
  }
  if (keys.length === 0) {
    throw new InvalidArgumentError('filter', {}, 'an empty filter would delete every link; pass () => true to mean that');
  }
  const f = filter as { kind?: unknown; names?: unknown; namePrefix?: unknown; group?: unknown };
  if (f.kind !== undefined && (typeof f.kind !== 'string' || f.kind === '')) throw new InvalidArgumentError('filter.kind', f.kind, 'expected a link kind such as "veth"');
  if (f.names !== undefined) {
    if (!Array.isArray(f.names)) throw new InvalidArgumentError('filter.names', f.names, 'expected an array of interface names (a string would match by substring)');
    f.names.forEach((n, i) => validateIfName(n, `filter.names[${i}]`));
  }
  if (f.namePrefix !== undefined && (typeof f.namePrefix !== 'string' || f.namePrefix === '')) {
    throw new InvalidArgumentError('filter.namePrefix', f.namePrefix, 'expected a non-empty string');
  }
  if (f.group !== undefined) validateUint(f.group, 'filter.group', 0, 0xffffffff);
  return filter as LinkFilter;
}

/** One edit (or one swap of neighbours) apart, ignoring case: what a typo usually is. */
function closeTo(a: string, b: string): boolean {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)) return true;
  return a.slice(i + (a.length >= b.length ? 1 : 0)) === b.slice(i + (b.length >= a.length ? 1 : 0));
}
