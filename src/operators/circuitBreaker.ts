import { BehaviorSubject, MonoTypeOperatorFunction, Observable, SchedulerLike, Subscription, asyncScheduler, distinctUntilChanged } from 'rxjs';
import { CircuitOpenError } from '../protocol/errors';

/** The states of a {@link CircuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerConfig {
  /**
   * Failures in a row that open the circuit.
   * @defaultValue 5
   */
  failureThreshold?: number;
  /**
   * Milliseconds the circuit stays open before it lets one trial through (half-open).
   * @defaultValue 30000
   */
  resetTimeout?: number;
  /**
   * Which errors count as failures (a refusal for bad input is not the callee's fault).
   * @defaultValue every error
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * The scheduler for `resetTimeout`.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/** A circuit breaker shared by every call it protects. */
export interface CircuitBreaker {
  /** The current state, replayed to late subscribers. */
  readonly state$: Observable<CircuitState>;
  /**
   * Protects one call (an Observable that completes or errors): while the circuit is
   * open it errors at once with {@link CircuitOpenError} without subscribing; while
   * half-open it lets one trial through and errors the others the same way.
   */
  protect<T>(): MonoTypeOperatorFunction<T>;
}

/**
 * A circuit breaker (closed → open → half-open → closed) for requests: after
 * `failureThreshold` failures in a row the circuit opens and calls fail fast, sparing a
 * struggling server; after `resetTimeout` one trial call decides whether it closes
 * again (success) or reopens (failure).
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ failureThreshold: 3, resetTimeout: 10_000 });
 * client.request('setTarget', { id: 'oven-1', target: 180 }).pipe(breaker.protect(), retryWithBackoff({ maxAttempts: 2 }));
 * ```
 */
export function createCircuitBreaker(config: CircuitBreakerConfig = {}): CircuitBreaker {
  const { failureThreshold = 5, resetTimeout = 30_000, isFailure = () => true, scheduler = asyncScheduler } = config;
  const state = new BehaviorSubject<CircuitState>('closed');
  let failures = 0;
  let trialRunning = false;
  let reopen: Subscription | undefined;

  const open = (): void => {
    failures = 0;
    state.next('open');
    reopen?.unsubscribe();
    reopen = scheduler.schedule(() => state.next('half-open'), resetTimeout);
  };
  const succeeded = (): void => {
    failures = 0;
    if (state.value !== 'closed') state.next('closed');
  };
  const failed = (error: unknown): void => {
    if (!isFailure(error)) return;
    if (state.value === 'half-open' || ++failures >= failureThreshold) open();
  };

  return {
    state$: state.pipe(distinctUntilChanged()),
    protect<T>(): MonoTypeOperatorFunction<T> {
      return (source) =>
        new Observable<T>((subscriber) => {
          const current = state.value;
          if (current === 'open' || (current === 'half-open' && trialRunning)) {
            subscriber.error(new CircuitOpenError(current));
            return;
          }
          const trial = current === 'half-open';
          if (trial) trialRunning = true;
          let settled = false;
          const settle = () => {
            settled = true;
            if (trial) trialRunning = false;
          };
          const inner = source.subscribe({
            next: (value) => subscriber.next(value),
            error: (error: unknown) => {
              settle();
              try {
                failed(error);
              } catch (thrown) {
                // A throwing isFailure decides nothing (as an abandoned trial); like a callback of
                // RxJS's own operators, what it threw goes down the error channel.
                subscriber.error(thrown);
                return;
              }
              subscriber.error(error);
            },
            complete: () => {
              settle();
              succeeded();
              subscriber.complete();
            },
          });
          return () => {
            inner.unsubscribe();
            // An abandoned trial decides nothing: the next call may try.
            if (!settled && trial) trialRunning = false;
          };
        });
    },
  };
}
