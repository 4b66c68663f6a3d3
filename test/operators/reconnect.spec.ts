import { describe, expect, it } from 'vitest';
import { NEVER, Observable, defer, map, of, take } from 'rxjs';
import { reconnect, backoffDelay, RECONNECT_DEFAULTS, RetryInfo } from '../../src/operators/reconnect';
import { ConnectionClosedError, HeartbeatTimeoutError } from '../../src/protocol/errors';
import { sequence, testScheduler } from '../support/marbles';

const lost = new ConnectionClosedError(1006);

describe('reconnect', () => {
  it('follows the exact exponential schedule with full jitter from a seeded random source', () => {
    const delays: number[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<string>('-#', undefined, lost);
      const result = source.pipe(
        reconnect({
          initialDelay: 100,
          multiplier: 2,
          maxDelay: 300,
          jitter: 'full',
          random: sequence(0.1, 0.9, 0.5, 0.99),
          maxAttempts: 4,
          online$: NEVER,
          onRetry: ({ delay }) => delays.push(delay),
        }),
      );
      // bounds 100, 200, 300 (capped), 300 -> delays 10, 180, 150, 297
      expectObservable(result).toBe('642ms #', undefined, lost);
      expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '192ms ^!', '343ms ^!', '641ms ^!']);
    });
    expect(delays).toEqual([10, 180, 150, 297]);
  });

  it('by default, decorrelated jitter from initialDelay 1000 (RECONNECT_DEFAULTS): the first retry between 1 and 3 s', () => {
    expect(RECONNECT_DEFAULTS.jitter).toBe('decorrelated');
    expect([0, 0.5, 0.999].map((r) => backoffDelay(1, { random: () => r }))).toEqual([1000, 2000, 2998]);
    // 1000 + 0.5 × (3 × 2000 − 1000) = 3500
    expect(backoffDelay(2, { random: () => 0.5 })).toBe(3500);
    const delays: number[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<string>('-#', undefined, lost);
      expectObservable(source.pipe(reconnect({ random: () => 0, maxAttempts: 2, online$: NEVER, onRetry: ({ delay }) => delays.push(delay) }))).toBe('2003ms #', undefined, lost);
    });
    expect(delays).toEqual([1000, 1000]);
  });

  it('with decorrelated jitter, draws each delay from the last one (seeded), and resubscribes after each', () => {
    const delays: number[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      // Three drops, then a connection that stays up.
      let subscriptions = 0;
      const flaky = defer(() => (++subscriptions <= 3 ? cold<string>('-#', undefined, lost) : cold<string>('a')));
      const result = flaky.pipe(
        reconnect({ initialDelay: 10, maxDelay: 1000, jitter: 'decorrelated', random: sequence(0.5, 0.5, 0.5), online$: NEVER, onRetry: ({ delay }) => delays.push(delay) }),
        take(1),
      );
      // errors at 1, 22, 58; retries after 20, 35, 57: the fourth subscription at 115 emits at once
      expectObservable(result).toBe('115ms (a|)');
    });
    // 10 + 0.5 × (30 − 10) = 20; 10 + 0.5 × (60 − 10) = 35; 10 + 0.5 × (105 − 10) = 57
    expect(delays).toEqual([20, 35, 57]);
  });

  it('reports each retry with its attempt number and delay, and gives up after maxAttempts', () => {
    const infos: Array<Pick<RetryInfo, 'attempt' | 'delay' | 'code'>> = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-#', undefined, lost);
      const result = source.pipe(
        reconnect({
          initialDelay: 10,
          jitter: 'none',
          maxAttempts: 3,
          online$: NEVER,
          onRetry: ({ attempt, delay, code }) => infos.push({ attempt, delay, code }),
        }),
      );
      // errors at 1, 12, 33, 74 -> after the 3rd retry the 4th error goes through
      expectObservable(result).toBe('74ms #', undefined, lost);
    });
    expect(infos).toEqual([
      { attempt: 1, delay: 10, code: 1006 },
      { attempt: 2, delay: 20, code: 1006 },
      { attempt: 3, delay: 40, code: 1006 },
    ]);
  });

  it('resets the attempt count after a connection stayed up for resetAfter', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // each connection emits at once and fails 20 ms later
      const source = cold('a 19ms #', { a: 'open' }, lost);
      const result = source.pipe(reconnect({ initialDelay: 10, jitter: 'none', resetAfter: 15, maxAttempts: 1, online$: NEVER }));
      // every retry is attempt 1 (delay 10) because each connection outlived resetAfter
      expectObservable(result.pipe(take(4))).toBe('a 29ms a 29ms a 29ms (a|)', { a: 'open' });
      expectSubscriptions(source.subscriptions).toBe(['^ 19ms !', '30ms ^ 19ms !', '60ms ^ 19ms !', '90ms (^!)']);
    });
  });

  it('does not reset the attempt count for a connection shorter than resetAfter', () => {
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const source = cold('a 19ms #', { a: 'open' }, lost);
      source.pipe(reconnect({ initialDelay: 10, jitter: 'none', resetAfter: 50, maxAttempts: 4, online$: NEVER })).subscribe({ error: () => undefined });
      // delays 10, 20, 40: connections at 0, 30, 70, 130
      expectSubscriptions(source.subscriptions).toBe(['^ 19ms !', '30ms ^ 19ms !', '70ms ^ 19ms !', '130ms ^ 19ms !', '230ms ^ 19ms !']);
    });
  });

  it.each([1008, 4403])('does not retry the fatal close code %i', (code) => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const fatal = new ConnectionClosedError(code);
      const source = cold('-a-#', { a: 1 }, fatal);
      expectObservable(source.pipe(reconnect({ online$: NEVER }))).toBe('-a-#', { a: 1 }, fatal);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('honours a custom set of fatal codes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const closed = new ConnectionClosedError(4000);
      const source = cold('-#', undefined, closed);
      expectObservable(source.pipe(reconnect({ fatalCodes: [4000], online$: NEVER }))).toBe('-#', undefined, closed);
    });
  });

  it('retries 4401 once at once asking for fresh credentials, and treats a second 4401 in a row (nothing emitted between) as fatal', () => {
    const infos: RetryInfo[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const unauthorized = new ConnectionClosedError(4401);
      // Refused before emitting anything: a connection the server never accepted.
      const source = cold('--#', undefined, unauthorized);
      const result = source.pipe(reconnect({ initialDelay: 1000, online$: NEVER, onRetry: (i) => infos.push(i) }));
      expectObservable(result).toBe('----#', undefined, unauthorized);
      expectSubscriptions(source.subscriptions).toBe(['^-!', '--^-!']);
    });
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ attempt: 1, delay: 0, code: 4401, refreshCredentials: true });
  });

  it('gives 4401 another retry once the source emitted in between (a connection was accepted), however soon', () => {
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const unauthorized = new ConnectionClosedError(4401);
      const source = cold('a 9ms #', { a: 'open' }, unauthorized);
      source.pipe(reconnect({ resetAfter: 1000, online$: NEVER }), take(3)).subscribe({ error: () => undefined });
      // every 4401 comes after an accepted connection, so each is retried at once
      expectSubscriptions(source.subscriptions).toBe(['^ 9ms !', '10ms ^ 9ms !', '20ms (^!)']);
    });
  });

  it('retries errors without a close code, such as a heartbeat timeout', () => {
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const source = cold('-#', undefined, new HeartbeatTimeoutError(25));
      source.pipe(reconnect({ initialDelay: 4, jitter: 'none', maxAttempts: 1, online$: NEVER })).subscribe({ error: () => undefined });
      expectSubscriptions(source.subscriptions).toBe(['^!', '5ms ^!']);
    });
  });

  it('lets shouldRetry refuse a retry', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const boom = new Error('boom');
      const source = cold('-#', undefined, boom);
      const result = source.pipe(reconnect({ shouldRetry: ({ error }) => error !== boom, online$: NEVER }));
      expectObservable(result).toBe('-#', undefined, boom);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('retries at once when online$ fires during the backoff', () => {
    testScheduler().run(({ cold, hot, expectSubscriptions }) => {
      const source = cold('-#', undefined, lost);
      const online$ = hot('-----o');
      source.pipe(reconnect({ initialDelay: 1000, jitter: 'none', maxAttempts: 1, online$ })).subscribe({ error: () => undefined });
      expectSubscriptions(source.subscriptions).toBe(['^!', '-----^!']);
    });
  });

  it('with an online$ that emits at once, retries at once, tearing each failed connection down before the next starts', () => {
    const log: string[] = [];
    let n = 0;
    const source = new Observable<string>((subscriber) => {
      const id = ++n;
      log.push(`open ${id}`);
      // the first two fail later (asynchronously), the third synchronously while being subscribed
      if (id === 3) subscriber.error(lost);
      else Promise.resolve().then(() => subscriber.error(lost));
      return () => log.push(`close ${id}`);
    });
    const errors: unknown[] = [];
    return new Promise<void>((resolve) => {
      source
        .pipe(reconnect({ maxAttempts: 3, online$: of(true), onRetry: ({ attempt }) => log.push(`retry ${attempt}`) }))
        .subscribe({
          error: (e) => {
            errors.push(e);
            resolve();
          },
        });
    }).then(() => {
      expect(log).toEqual(['open 1', 'retry 1', 'close 1', 'open 2', 'retry 2', 'close 2', 'open 3', 'retry 3', 'close 3', 'open 4', 'close 4']);
      expect(errors).toEqual([lost]);
    });
  });

  it('retries a source that errors while being subscribed after its delay, and tears it down', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      let n = 0;
      const closed: number[] = [];
      const source = defer(() => {
        const id = ++n;
        return id < 3 ? new Observable<string>((subscriber) => {
          subscriber.error(lost);
          return () => closed.push(id);
        }) : cold('a|');
      });
      expectObservable(source.pipe(reconnect({ initialDelay: 2, jitter: 'none', online$: NEVER }))).toBe('------a|');
      expectObservable(cold('-------x').pipe(map(() => closed.join()))).toBe('-------x', { x: '1,2' });
    });
  });

  it('does not retry a source that completes', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      expectObservable(source.pipe(reconnect({ online$: NEVER }))).toBe('-a|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});

describe('backoffDelay', () => {
  it('grows by the multiplier, is capped by maxDelay, and scales by the random factor', () => {
    const options = { initialDelay: 100, multiplier: 3, maxDelay: 1000, jitter: 'none' as const };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, options))).toEqual([100, 300, 900, 1000]);
    expect(backoffDelay(3, { ...options, jitter: 'full', random: () => 0.5 })).toBe(450);
  });
});
