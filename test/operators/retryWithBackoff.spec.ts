import { describe, expect, it } from 'vitest';
import { defer } from 'rxjs';
import { exponentialBackoff, linearBackoff, retryWithBackoff } from '../../src/operators/retryWithBackoff';
import { sequence, testScheduler } from '../support/marbles';

describe('backoff strategies', () => {
  it('exponential: bounded growth, scaled by the random factor with full jitter', () => {
    const none = exponentialBackoff({ initialDelay: 100, multiplier: 2, maxDelay: 500, jitter: 'none' });
    expect([1, 2, 3, 4, 5].map(none)).toEqual([100, 200, 400, 500, 500]);
    const full = exponentialBackoff({ initialDelay: 100, multiplier: 2, maxDelay: 500, random: sequence(0.5, 0.25, 0.9) });
    expect([1, 2, 3].map(full)).toEqual([50, 50, 360]);
  });

  it('equal jitter: never sooner than half the bound, at most the bound', () => {
    const equal = exponentialBackoff({ initialDelay: 100, multiplier: 2, maxDelay: 500, jitter: 'equal', random: sequence(0, 0.5, 0.999, 0) });
    expect([1, 2, 3, 4].map(equal)).toEqual([50, 150, 399, 250]);
  });

  it('decorrelated jitter: each delay between initialDelay and three times the last, capped, restarting at attempt 1', () => {
    const decorrelated = exponentialBackoff({ initialDelay: 100, maxDelay: 1000, jitter: 'decorrelated', random: sequence(0.5, 0.5, 0.5, 0.99, 0) });
    // 100 + 0.5 × (300 − 100) = 200; 100 + 0.5 × (600 − 100) = 350; 100 + 0.5 × (1050 − 100) = 575;
    // 100 + 0.99 × (1725 − 100) → capped at 1000; attempt 1 again starts from initialDelay: 100 + 0 = 100.
    expect([1, 2, 3, 4, 1].map(decorrelated)).toEqual([200, 350, 575, 1000, 100]);
  });

  it('linear: a fixed step, capped', () => {
    expect([1, 2, 3, 4].map(linearBackoff({ delay: 10, increment: 5, maxDelay: 22 }))).toEqual([10, 15, 20, 22]);
  });
});

describe('retryWithBackoff', () => {
  it('resubscribes after the delays of the strategy and lets the last error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, new Error('busy'));
      const result = source.pipe(retryWithBackoff({ strategy: linearBackoff({ delay: 3, increment: 2 }), maxAttempts: 3 }));
      // errors at 1; retries after 3, 5, 7: subscriptions at 0, 4, 10, 18; the fourth error at 19 goes through
      expectObservable(result).toBe('19ms #', undefined, new Error('busy'));
      expectSubscriptions(source.subscriptions).toBe(['^!', '4ms ^!', '10ms ^!', '18ms ^!']);
    });
  });

  it('stops at once for an error shouldRetry refuses', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const fatal = new Error('bad input');
      const source = cold('-#', undefined, fatal);
      expectObservable(source.pipe(retryWithBackoff({ shouldRetry: (e) => e !== fatal }))).toBe('-#', undefined, fatal);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('passes a success through once a retry succeeds', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      let attempt = 0;
      const flaky = defer(() => (++attempt < 3 ? cold('-#') : cold('-(a|)')));
      // fails at 1 and 4 (after a delay of 2 each), succeeds at 7
      expectObservable(flaky.pipe(retryWithBackoff({ strategy: () => 2, maxAttempts: 5 }))).toBe('-------(a|)');
    });
  });
});
