import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ConnectionState } from '../../src/client/types';
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

/** Records every state as "frame:status" (with the code of a close), in virtual time. */
export function recordStates(log: string[]): (state: ConnectionState) => void {
  return (s) => void log.push(`${asyncScheduler.now()}:${s.status}${s.status === 'closed' ? `:${s.code}` : ''}`);
}
