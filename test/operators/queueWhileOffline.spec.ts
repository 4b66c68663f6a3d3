import { Subject, asyncScheduler, config, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { queueWhileOffline } from '../../src/operators/queueWhileOffline';
import { MessageDroppedError, QueueOverflowError } from '../../src/protocol/errors';
import { testScheduler } from '../support/marbles';

const bools = { t: true, f: false };

afterEach(() => {
  config.onUnhandledError = null;
});

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

  it('delivers a value sent during its own flush right after the held ones, without waiting for another open', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const open$ = hot('f---t', bools);
      const input = new Subject<string>();
      hot('-ab').subscribe((v) => input.next(v));
      // A downstream handler that sends again while the held messages are being flushed.
      const result = input.pipe(
        queueWhileOffline({ open$ }),
        tap((v) => {
          if (v === 'a') input.next('c');
        }),
      );
      expectObservable(result).toBe('----(abc)');
    });
  });

  it('errors the output and unsubscribes the source and open$ when canSend throws on a message', () => {
    let broken = false;
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const bug = new Error('canSend bug');
      asyncScheduler.schedule(() => (broken = true), 2);
      const open$ = hot('t', bools);
      const source = cold('-a-b-c');
      const canSend = () => {
        if (broken) throw bug;
        return true;
      };
      expectObservable(source.pipe(queueWhileOffline({ open$, canSend }))).toBe('-a-#', undefined, bug);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(open$.subscriptions).toBe('^--!');
    });
  });

  it('errors the output and unsubscribes the source when canSend throws during a flush', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const bug = new Error('canSend bug');
      const source = hot('-a');
      const canSend = () => {
        throw bug;
      };
      expectObservable(source.pipe(queueWhileOffline({ open$: hot('f---t', bools), canSend }))).toBe('----#', undefined, bug);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('errors the output and unsubscribes the source when onDrop throws, and still reports the messages left held', () => {
    const dropped: unknown[] = [];
    const unhandled: unknown[] = [];
    config.onUnhandledError = (e) => unhandled.push(e);
    const bug = new Error('onDrop bug');
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc');
      const onDrop = (e: MessageDroppedError<string>) => {
        dropped.push([e.dropped, e.reason]);
        throw bug;
      };
      expectObservable(source.pipe(queueWhileOffline({ open$: hot('f', bools), max: 1, onDrop }))).toBe('--#', undefined, bug);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
    expect(dropped).toEqual([
      ['a', 'drop-oldest'],
      ['b', 'unsubscribed'],
    ]);
    // The first throw went down the error channel; the one during teardown had nowhere to go.
    expect(unhandled).toEqual([bug]);
  });

  it('reports every message held at unsubscribe even when onDrop throws, and the throws through config.onUnhandledError', () => {
    const dropped: unknown[] = [];
    const unhandled: unknown[] = [];
    config.onUnhandledError = (e) => unhandled.push(e);
    const bug = new Error('onDrop bug');
    testScheduler().run(({ hot, expectObservable }) => {
      const onDrop = (e: MessageDroppedError<string>) => {
        dropped.push(e.dropped);
        throw bug;
      };
      expectObservable(hot('-xy').pipe(queueWhileOffline({ open$: hot('f', bools), onDrop })), '^--!').toBe('');
    });
    expect(dropped).toEqual(['x', 'y']);
    expect(unhandled).toEqual([bug, bug]);
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
