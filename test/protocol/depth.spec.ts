import { describe, expect, it } from 'vitest';
import { deeperThan, preview } from '../../src/protocol/validate';
import { deepArray, deepObject } from '../fuzz/protocol';

describe('deeperThan', () => {
  it('counts {} and [] as one level, and leaves as none', () => {
    expect(deeperThan(1, 0)).toBe(false);
    expect(deeperThan({}, 0)).toBe(true);
    expect(deeperThan({}, 1)).toBe(false);
    expect(deeperThan({ a: [1] }, 1)).toBe(true);
    expect(deeperThan({ a: [1] }, 2)).toBe(false);
  });

  it('finds the deep branch among shallow ones, in arrays and objects alike', () => {
    const value = { a: 1, b: [1, 2, { c: [[['deep']]] }], d: {} };
    expect(deeperThan(value, 5)).toBe(true);
    expect(deeperThan(value, 6)).toBe(false);
  });

  for (const max of [64, 5000]) {
    it(`judges 100,000-deep arrays and objects against ${max} without overflowing the stack`, () => {
      expect(deeperThan(JSON.parse(deepArray(100_000)), max)).toBe(true);
      expect(deeperThan(JSON.parse(deepObject(100_000)), max)).toBe(true);
      expect(deeperThan(JSON.parse(deepArray(max)), max)).toBe(false);
      expect(deeperThan(JSON.parse(deepArray(max + 1)), max)).toBe(true);
    });
  }
});

describe('preview', () => {
  it('shows a 100,000-deep array, a megabyte string, a cycle, a BigInt and a throwing getter in at most 61 characters, without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    const cases: unknown[] = [JSON.parse(deepArray(100_000)), 'x'.repeat(1_000_000), cyclic, { n: 10n }, getter, new Array(1_000_000).fill(7)];
    for (const value of cases) {
      const text = preview(value);
      expect(text.length).toBeLessThanOrEqual(61);
      expect(text.length).toBeGreaterThan(0);
    }
    expect(preview({ a: 1, b: 'two' })).toBe('{"a":1,"b":"two"}');
    expect(preview(getter)).toBe('(unprintable)');
    expect(preview({ n: 10n })).toBe('{"n":10n}');
    expect(preview(JSON.parse(deepArray(10, '1')))).toBe('[[[[…]]]]');
  });
});
