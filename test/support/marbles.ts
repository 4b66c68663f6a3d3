import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** A TestScheduler whose assertions are vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A random source that returns the given numbers in turn (and then repeats the last). */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}
