import { describe, expect, it } from 'vitest';
import { frameSize, utf8Length } from '../../src/internal/utf8';

describe('utf8Length', () => {
  it.each(['', 'plain ascii {"a":1}', 'é', 'ü and ascii', '€', '日本語', '😀', 'a😀b€c', '\u007f\u0080\u07ff\u0800\uffff'])(
    'matches the encoded length of %j',
    (text) => expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length),
  );

  it('measures binary frames by their byte length', () => {
    expect(frameSize(new Uint8Array(7))).toBe(7);
    expect(frameSize(new ArrayBuffer(3))).toBe(3);
  });
});
