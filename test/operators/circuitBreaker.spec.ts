import { describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { createCircuitBreaker, type CircuitState } from '../../src/operators/circuitBreaker';
import { CircuitOpenError } from '../../src/protocol/errors';
import { testScheduler } from '../support/marbles';

describe('createCircuitBreaker', () => {
  it('opens after failureThreshold failures in a row and then fails fast without calling', () => {
    testScheduler().run(({ cold, hot, expectSubscriptions }) => {
      const breaker = createCircuitBreaker({ failureThreshold: 2, resetTimeout: 100 });
      const failing = cold('-#');
      const calls = hot('a-b-c-d', { a: 0, b: 1, c: 2, d: 3 });
      const results: unknown[] = [];
      calls.subscribe(() => failing.pipe(breaker.protect()).subscribe({ error: (e) => results.push(e instanceof CircuitOpenError ? 'refused' : 'failed') }));
      expectSubscriptions(failing.subscriptions).toBe(['^!', '--^!']); // the calls at 4 and 6 never reach it
      cold('10ms x').subscribe(() => expect(results).toEqual(['failed', 'failed', 'refused', 'refused']));
    });
  });

  it('goes half-open after resetTimeout, lets one trial through, and closes on its success', () => {
    const outcomes: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const breaker = createCircuitBreaker({ failureThreshold: 1, resetTimeout: 10 });
      cold('-#').pipe(breaker.protect()).subscribe({ error: () => undefined }); // opens at 1, half-open at 11
      // At 12 the trial starts (it succeeds at 17); a second call at 13 is refused meanwhile.
      cold('12ms x').subscribe(() => cold('5ms (a|)').pipe(breaker.protect()).subscribe({ complete: () => outcomes.push(`trial ok at ${asyncScheduler.now()}`) }));
      cold('13ms x').subscribe(() => cold('(b|)').pipe(breaker.protect()).subscribe({ error: (e: CircuitOpenError) => outcomes.push(`refused while ${e.state}`) }));
      expectObservable(breaker.state$).toBe('co 9ms h 5ms c', { c: 'closed', o: 'open', h: 'half-open' });
    });
    expect(outcomes).toEqual(['refused while half-open', 'trial ok at 17']);
  });

  it('errors the call with what isFailure throws, unsubscribed, and counts nothing', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bug = new Error('isFailure bug');
      const breaker = createCircuitBreaker({
        failureThreshold: 1,
        isFailure: () => {
          throw bug;
        },
      });
      const call = cold('-#');
      expectObservable(call.pipe(breaker.protect())).toBe('-#', undefined, bug);
      expectSubscriptions(call.subscriptions).toBe('^!');
      expectObservable(breaker.state$).toBe('c', { c: 'closed' });
    });
  });

  it('reopens when the trial fails, and ignores errors isFailure does not count', () => {
    const states: CircuitState[] = [];
    testScheduler().run(({ cold }) => {
      const breaker = createCircuitBreaker({ failureThreshold: 1, resetTimeout: 10, isFailure: (e) => e !== 'bad input' });
      breaker.state$.subscribe((s) => states.push(s));
      cold('-#', undefined, 'bad input').pipe(breaker.protect()).subscribe({ error: () => undefined }); // not counted
      cold('--x').subscribe(() => cold('-#').pipe(breaker.protect()).subscribe({ error: () => undefined })); // opens at 3
      cold('14ms x').subscribe(() => cold('-#').pipe(breaker.protect()).subscribe({ error: () => undefined })); // trial fails at 15
    });
    expect(states).toEqual(['closed', 'open', 'half-open', 'open', 'half-open']);
  });
});
