import { describe, expect, it } from 'vitest';
import { INVALID, parseFrame, parseText } from '../../src/client/inboundFrame';
import type { DecodeError } from '../../src/protocol/errors';

function recorder(maxDepth: number) {
  const sizes: number[] = [];
  const errors: DecodeError[] = [];
  return { sizes, errors, hooks: { maxDepth, onFrameIn: (n: number) => sizes.push(n), onDecodeError: (e: DecodeError) => errors.push(e) } };
}

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('parseFrame and parseText', () => {
  it('drops a frame one level too deep even at the shortest length it can have, and keeps one at the limit', () => {
    for (const max of [1, 2, 5, 64]) {
      const r = recorder(max);
      // max + 1 levels in 2 * max + 2 characters: the shortest frame that is too deep
      expect(parseText(nested(max + 1), 2 * max + 2, r.hooks)).toBe(INVALID);
      expect(r.errors.map((e) => e.reason)).toEqual([`nested deeper than ${max} levels (maxDepth)`]);
      expect(parseFrame(nested(max), r.hooks)).toEqual(JSON.parse(nested(max)));
      expect(parseFrame(`{"a":${nested(max)}}`, r.hooks)).toBe(INVALID);
      // long, and within the limit
      expect(parseFrame(JSON.stringify({ a: 'x'.repeat(300) }), r.hooks)).toEqual({ a: 'x'.repeat(300) });
      expect(r.errors).toHaveLength(2);
    }
    const r = recorder(0);
    expect(parseFrame('{}', r.hooks)).toBe(INVALID);
    expect(parseFrame('1', r.hooks)).toBe(1);
  });

  it('counts a text frame by its UTF-8 size: measured by parseFrame, as given to parseText', () => {
    const r = recorder(64);
    expect(parseFrame('{"x":"é€😀"}', r.hooks)).toEqual({ x: 'é€😀' });
    expect(parseText('{"x":"é"}', 10, r.hooks)).toEqual({ x: 'é' });
    expect(r.sizes).toEqual([Buffer.byteLength('{"x":"é€😀"}'), 10]);
  });

  it('reports binary frames and invalid JSON, counting them', () => {
    const r = recorder(64);
    expect(parseFrame(new Uint8Array(4), r.hooks)).toBe(INVALID);
    expect(parseText('{', 1, r.hooks)).toBe(INVALID);
    expect(r.sizes).toEqual([4, 1]);
    expect(r.errors.map((e) => e.reason.slice(0, 12))).toEqual(['binary frame', 'invalid JSON']);
  });
});
