import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { queueWhileOffline } from '../../src/operators/queueWhileOffline';
import { MessageDroppedError, QueueOverflowError } from '../../src/protocol/errors';
import { testScheduler } from '../support/marbles';

const bools = { t: true, f: false };

describe('queueWhileOffline', () => {
  it('passes messages while open, holds them while closed and flushes them in order on open', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const open$ = hot('t---f------t--', bools);
      const source = hot('-a----b-c-d------e');
      expectObservable(source.pipe(queueWhileOffline({ open$ }))).toBe('-a---------(bcd)-e');
    });
  });

  it('counts the connection as closed until open$ first emits', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('ab------c').pipe(queueWhileOffline({ open$: hot('---t', bools) }))).toBe('---(ab)-c');
    });
  });

  it('drop-oldest keeps the newest max messages and reports each dropped one', () => {
    const dropped: MessageDroppedError<string>[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const open$ = hot('f-----t', bools);
      const source = hot('-abcd');
      expectObservable(source.pipe(queueWhileOffline({ open$, max: 2, onDrop: (e) => dropped.push(e) }))).toBe('------(cd)');
    });
    expect(dropped.map((e) => [e.dropped, e.reason])).toEqual([
      ['a', 'drop-oldest'],
      ['b', 'drop-oldest'],
    ]);
  });

  it('drop-newest keeps the oldest max messages and reports each dropped one', () => {
    const dropped: MessageDroppedError<string>[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const open$ = hot('f-----t', bools);
      const source = hot('-abcd');
      const result = source.pipe(queueWhileOffline({ open$, max: 2, overflow: 'drop-newest', onDrop: (e) => dropped.push(e) }));
      expectObservable(result).toBe('------(ab)');
    });
    expect(dropped.map((e) => [e.dropped, e.reason])).toEqual([
      ['c', 'drop-newest'],
      ['d', 'drop-newest'],
    ]);
  });

  it("'error' errors with the refused message and every held one", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const result = hot('-abc').pipe(queueWhileOffline({ open$: hot('f', bools), max: 2, overflow: 'error' }));
      expectObservable(result).toBe('---#', undefined, new QueueOverflowError('c', ['a', 'b'], 2));
    });
  });

  it('holds a message that canSend refuses and sends it on the next open', () => {
    let writable = true;
    testScheduler().run(({ hot, expectObservable }) => {
      asyncScheduler.schedule(() => (writable = false), 2);
      asyncScheduler.schedule(() => (writable = true), 5);
      const open$ = hot('t-----t', bools);
      const result = hot('-a-b-c').pipe(queueWhileOffline({ open$, canSend: () => writable }));
      expectObservable(result).toBe('-a----(bc)');
    });
  });

  it('reports messages still held when unsubscribed, and completes after flushing when the source completes', () => {
    const dropped: unknown[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const open$ = hot('f-------t', bools);
      expectObservable(hot('-ab|').pipe(queueWhileOffline({ open$ }))).toBe('--------(ab|)');
      expectObservable(hot('-xy').pipe(queueWhileOffline({ open$, onDrop: (e) => dropped.push([e.dropped, e.reason]) })), '^--!').toBe('');
    });
    expect(dropped).toEqual([
      ['x', 'unsubscribed'],
      ['y', 'unsubscribed'],
    ]);
  });
});
