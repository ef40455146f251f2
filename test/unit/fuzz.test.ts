// SPDX-License-Identifier: MIT
// Properties over random and mutated bytes: the decoders only ever throw DecodeError, and what
// decodes re-encodes to bytes that decode to the same value. The schema list comes from the
// registries themselves, so a new link kind is fuzzed without touching this file.
import fc from 'fast-check';
import { Writer } from '../../src/netlink/buffer';
import { decodeAttrs, decodeMessageBody, encodeAttrs, encodeMessageBody } from '../../src/netlink/codec';
import { parseError } from '../../src/netlink/extack';
import { parseDatagram } from '../../src/netlink/message';
import { AttrSet } from '../../src/netlink/schema';
import { linkMessage } from '../../src/rtnl/link-attrs';
import { linkInfoAttrs, linkKinds, linkSlaveKinds } from '../../src/rtnl/link-info';
import { DecodeError } from '../../src/errors';
import { kindDrivers } from '../../src/rtnl/kinds';
import { chainAttrs, expressionAttrs, expressionKinds, ruleAttrs, tableAttrs } from '../../src/nft/schema';
import { renderRule } from '../../src/nft/render';

const sets: [string, AttrSet][] = [
  ['link', linkMessage.attrs],
  ['linkinfo', linkInfoAttrs],
  ...Object.entries(linkKinds).map(([k, s]) => [`kind ${k}`, s] as [string, AttrSet]),
  ...Object.entries(linkSlaveKinds).map(([k, s]) => [`slave kind ${k}`, s] as [string, AttrSet]),
  ['nft table', tableAttrs],
  ['nft chain', chainAttrs],
  ['nft rule', ruleAttrs],
  ['nft expression', expressionAttrs],
  ...Object.entries(expressionKinds).map(([k, s]) => [`nft expression ${k}`, s] as [string, AttrSet]),
];

/** Random TLV streams whose type ids hit the schema's real ids most of the time. */
function tlvStream(set: AttrSet) {
  const ids = [...set.byId.keys()];
  const attr = fc.record({
    id: fc.oneof(fc.constantFrom(...ids), fc.integer({ min: 0, max: 0x3fff })),
    nested: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 40 }),
  });
  return fc.array(attr, { maxLength: 12 }).map((attrs) => {
    const w = new Writer();
    for (const a of attrs) {
      w.u16(4 + a.payload.length);
      w.u16(a.id | (a.nested ? 0x8000 : 0));
      w.bytes(a.payload);
      w.pad();
    }
    return Uint8Array.from(w.finish());
  });
}

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe.each(sets)('fuzz %s', (_name, set) => {
  test('random bytes: decode throws nothing but DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyDecodeErrors(() => decodeAttrs(set, b))), { numRuns: 500 });
  });

  test('well-framed TLVs: decode → encode → decode is stable', () => {
    fc.assert(
      fc.property(tlvStream(set), (bytes) => {
        let first: ReturnType<typeof decodeAttrs>;
        try {
          first = decodeAttrs(set, bytes);
        } catch (e) {
          if (e instanceof DecodeError) return;
          throw e;
        }
        const w = new Writer();
        encodeAttrs(set, first, w);
        const again = decodeAttrs(set, w.finish());
        expect(again).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });

  test('truncating valid bytes anywhere only throws DecodeError', () => {
    fc.assert(
      fc.property(tlvStream(set), fc.nat(), (bytes, cut) => {
        onlyDecodeErrors(() => decodeAttrs(set, bytes.subarray(0, bytes.length ? cut % bytes.length : 0)));
      }),
      { numRuns: 300 },
    );
  });
});

test('link messages: random bytes after a header only throw DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      onlyDecodeErrors(() => {
        const m = decodeMessageBody(linkMessage, b);
        encodeMessageBody(linkMessage, m.header, m.attrs, new Writer());
      });
    }),
    { numRuns: 500 },
  );
});

test('datagram framing and error parsing only throw DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      onlyDecodeErrors(() => {
        for (const m of parseDatagram(b)) if (m.type === 2) parseError(m);
      });
    }),
    { numRuns: 1000 },
  );
});

describe.each(Object.values(kindDrivers).filter((d) => d.schema).map((d) => [d.kind, d] as const))('fuzz driver %s', (_kind, driver) => {
  test('whatever the kernel sends that decodes, the typed view (`link.data`) is built without throwing', () => {
    fc.assert(
      fc.property(tlvStream(driver.schema!), (bytes) => {
        let data: ReturnType<typeof decodeAttrs>;
        try {
          data = decodeAttrs(driver.schema!, bytes);
        } catch (e) {
          if (e instanceof DecodeError) return;
          throw e;
        }
        expect(typeof driver.decode(data)).toBe('object');
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzz nft rendering', () => {
  test('any decodable expression list renders without throwing', () => {
    fc.assert(
      fc.property(tlvStream(ruleAttrs), (bytes) => {
        let attrs;
        try {
          attrs = decodeAttrs(ruleAttrs, bytes);
        } catch (e) {
          if (e instanceof DecodeError) return;
          throw e;
        }
        const elem = ((attrs.expressions as { elem?: unknown[] } | undefined)?.elem ?? []) as never;
        expect(typeof renderRule(elem, 'inet')).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
