import { MonoTypeOperatorFunction, NEVER, Observable, SchedulerLike, Subscription, asyncScheduler, race, take, timer } from 'rxjs';
import { CloseCode, DEFAULT_FATAL_CLOSE_CODES, closeCodeOf, isRetryableClose } from '../protocol/closeCodes';
import { browserOnline$ } from '../internal/online';
import { exponentialBackoff, type Jitter } from './retryWithBackoff';

/** What {@link ReconnectConfig.onRetry} and {@link ReconnectConfig.shouldRetry} are told about a retry. */
export interface RetryInfo {
  /** The retry about to be made: 1 for the first retry since the last stable connection. */
  readonly attempt: number;
  /** How long the retry waits, in milliseconds (0 for an immediate retry). */
  readonly delay: number;
  /** What the previous connection ended with. */
  readonly error: unknown;
  /** The close code in `error`, if there is one. */
  readonly code: number | undefined;
  /**
   * True when the previous connection was refused with 4401 (unauthorized): the next
   * attempt should fetch a fresh token instead of reusing a cached one.
   */
  readonly refreshCredentials: boolean;
}

/** Options of {@link reconnect}. */
export interface ReconnectConfig {
  /**
   * The upper bound of the first retry's delay, in milliseconds.
   * @defaultValue 1000
   */
  initialDelay?: number;
  /**
   * No delay is ever longer than this, in milliseconds.
   * @defaultValue 30000
   */
  maxDelay?: number;
  /**
   * Each retry's delay bound is the previous one's times this.
   * @defaultValue 2
   */
  multiplier?: number;
  /**
   * How each delay is drawn from the exponential bound, so that many clients dropped
   * at once do not come back at once: `'full'`, `'equal'`, `'decorrelated'` or `'none'`
   * (see {@link Jitter} for what each trades).
   * @defaultValue 'decorrelated'
   */
  jitter?: Jitter;
  /**
   * The random source for jitter, returning a number in [0, 1). Inject a seeded one in tests.
   * @defaultValue Math.random
   */
  random?: () => number;
  /**
   * How many retries in a row before giving up and erroring with the last error.
   * @defaultValue Infinity
   */
  maxAttempts?: number;
  /**
   * A connection that stayed up this long (in milliseconds, counted from the first
   * value the source emits) resets the attempt count, so the next drop starts again
   * from `initialDelay`.
   * @defaultValue 5000
   */
  resetAfter?: number;
  /**
   * Close codes that are never retried.
   * @defaultValue [1008, 4403]
   */
  fatalCodes?: readonly number[];
  /**
   * Decides whether an error is retried at all, after the close-code rules. Return
   * `false` to give up and let the error through.
   * @defaultValue a function that retries everything
   */
  shouldRetry?: (info: RetryInfo) => boolean;
  /**
   * When this emits while a retry is waiting out its delay, the retry happens at once.
   * @defaultValue the browser's `online` event where `window` exists, otherwise never
   */
  online$?: Observable<unknown>;
  /**
   * Called when a retry is scheduled, before its delay starts.
   * @defaultValue none
   */
  onRetry?: (info: RetryInfo) => void;
  /**
   * The scheduler for delays.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * The defaults of {@link reconnect} (and so of the client's reconnection): decorrelated
 * jitter (chosen on the reconnect storm benchmark: see the connection lifecycle guide),
 * the first retry between `initialDelay` and 3 × `initialDelay` ms, each later one
 * between `initialDelay` and three times the one before, up to `maxDelay`; the count
 * resets after `resetAfter` ms up. (`multiplier` is the bound's growth for `'full'`,
 * `'equal'` and `'none'`.)
 */
export const RECONNECT_DEFAULTS = Object.freeze({
  /** The bound of the first retry's delay, in milliseconds. */
  initialDelay: 1000,
  /** The longest delay, in milliseconds. */
  maxDelay: 30_000,
  /** Each bound is the previous one's times this. */
  multiplier: 2,
  /** Between `initialDelay` and three times the previous delay: each client's delays wander apart. */
  jitter: 'decorrelated' as const,
  /** Retries in a row before giving up: never. */
  maxAttempts: Infinity,
  /** Milliseconds a connection stays up before the attempt count resets. */
  resetAfter: 5000,
});

/**
 * The delay of retry number `attempt` (1-based). Its bound is `initialDelay * multiplier^(attempt-1)`,
 * capped at `maxDelay`; with full jitter the delay is `random() * bound`, with equal
 * jitter `bound / 2 + random() * bound / 2`. Decorrelated jitter draws each delay from
 * the one before, so this draws the whole sequence from retry 1 with `random`.
 *
 * @example
 * ```ts
 * backoffDelay(3, { jitter: 'none' }); // 4000: 1000 × 2²
 * backoffDelay(1, { random: () => 0.5 }); // 2000: decorrelated, halfway from 1000 to 3 × 1000
 * backoffDelay(3, { jitter: 'full', random: () => 0.5 }); // 2000: full jitter, halfway to the bound
 * backoffDelay(3, { jitter: 'equal', random: () => 0.5 }); // 3000: halfway from half the bound to the bound
 * backoffDelay(10, { jitter: 'none' }); // 30000: capped at maxDelay
 * ```
 */
export function backoffDelay(
  attempt: number,
  {
    initialDelay = RECONNECT_DEFAULTS.initialDelay,
    maxDelay = RECONNECT_DEFAULTS.maxDelay,
    multiplier = RECONNECT_DEFAULTS.multiplier,
    jitter = RECONNECT_DEFAULTS.jitter,
    random = Math.random,
  }: ReconnectConfig = {},
): number {
  const delayOf = exponentialBackoff({ initialDelay, maxDelay, multiplier, jitter, random });
  if (jitter !== 'decorrelated') return delayOf(attempt);
  let delay = 0;
  for (let i = 1; i <= attempt; i++) delay = delayOf(i);
  return delay;
}

/**
 * Resubscribes to the source after it errors, with backoff and jitter (decorrelated by default).
 *
 * Each subscription to the source is one connection: in rxwire's client the source
 * opens a socket and errors with a close code when it closes unexpectedly. The
 * operator:
 *
 * - gives up on a close code in `fatalCodes` (1008 and 4403 by default; any code the
 *   user lists, 4401 included);
 * - retries a 4401 (unauthorized) once at once, telling `onRetry` to refresh the
 *   credentials, and treats a second 4401 before the source emitted again as fatal
 *   (a connection that emits, that is one accepted, earns its next 4401 a retry);
 * - waits `backoffDelay(attempt)` before any other retry, or less if `online$` emits;
 * - resets the attempt count once a connection has stayed up for `resetAfter`;
 * - gives up after `maxAttempts` retries in a row, erroring with the last error.
 *
 * A source that completes is not retried: completion means the connection ended on purpose.
 *
 * @example
 * ```ts
 * webSocket(url).pipe(
 *   reconnect({ initialDelay: 500, maxDelay: 10_000, onRetry: ({ attempt, delay }) => log(attempt, delay) }),
 * );
 * ```
 */
export function reconnect<T>(config: ReconnectConfig = {}): MonoTypeOperatorFunction<T> {
  const {
    maxAttempts = RECONNECT_DEFAULTS.maxAttempts,
    resetAfter = RECONNECT_DEFAULTS.resetAfter,
    fatalCodes = DEFAULT_FATAL_CLOSE_CODES,
    shouldRetry = () => true,
    online$ = browserOnline$(),
    onRetry,
    scheduler = asyncScheduler,
  } = config;

  return (source) =>
    new Observable<T>((subscriber) => {
      let attempt = 0;
      let unauthorizedRetried = false;
      // One strategy per subscription: decorrelated jitter remembers the last delay.
      const delayOf = exponentialBackoff({
        initialDelay: config.initialDelay ?? RECONNECT_DEFAULTS.initialDelay,
        maxDelay: config.maxDelay ?? RECONNECT_DEFAULTS.maxDelay,
        multiplier: config.multiplier ?? RECONNECT_DEFAULTS.multiplier,
        jitter: config.jitter ?? RECONNECT_DEFAULTS.jitter,
        random: config.random ?? Math.random,
      });
      const resetAttempts = () => {
        attempt = 0;
      };
      // The subscription to the source (one connection), its resetAfter timer, and the
      // wait before the next: one loop of plain subscriptions, where `retry`, `defer` and
      // `tap` built an operator chain per connection. The order is retry's: on an error,
      // the retry is decided (and `onRetry` told) before the failed source is torn down.
      let inner: Subscription | undefined;
      let stable: Subscription | undefined;
      let waiting: Subscription | undefined;
      /** The source errored while being subscribed: torn down once its subscribe returns. */
      let erredEarly = false;
      /** Inside the source's subscribe; `again` when a retry came meanwhile (both synchronous). */
      let subscribing = false;
      let again = false;

      const settle = (): void => {
        stable?.unsubscribe();
        stable = undefined;
        const current = inner;
        inner = undefined;
        current?.unsubscribe();
      };

      const retryAfter = (error: unknown): void => {
        const code = closeCodeOf(error);
        // The user's fatal codes win for every code, 4401 included.
        if (!isRetryableClose(error, fatalCodes)) return subscriber.error(error);
        const unauthorized = code === CloseCode.Unauthorized;
        if (unauthorized && unauthorizedRetried) return subscriber.error(error);
        attempt += 1;
        if (attempt > maxAttempts) return subscriber.error(error);
        if (unauthorized) unauthorizedRetried = true;
        const delay = unauthorized ? 0 : delayOf(attempt);
        const info: RetryInfo = { attempt, delay, error, code, refreshCredentials: unauthorized };
        if (!shouldRetry(info)) return subscriber.error(error);
        onRetry?.(info);
        // Where nothing can say "online" (outside browsers), the timer alone.
        if (online$ === NEVER) waiting = scheduler.schedule(resubscribe, delay);
        else {
          // As retry's notifier: its first value retries (nothing more is heard from it),
          // its completion without one completes the output, its error errors it.
          let fired = false;
          let wait: Subscription | undefined = undefined;
          wait = race(timer(delay, scheduler), online$.pipe(take(1))).subscribe({
            next: () => {
              if (fired) return;
              fired = true;
              wait?.unsubscribe();
              resubscribe();
            },
            error: (e: unknown) => {
              if (!fired) subscriber.error(e);
            },
            complete: () => {
              if (!fired) subscriber.complete();
            },
          });
          if (!fired) waiting = wait;
          else wait.unsubscribe(); // (it answered at once: the retry is made)
        }
      };

      const observer = {
        next: (value: T) => {
          // A connection that got as far as a first value was accepted: a later 4401
          // (an expired token) deserves a fresh token again. The backoff resets only
          // once it has stayed up for resetAfter.
          unauthorizedRetried = false;
          stable ??= scheduler.schedule(resetAttempts, resetAfter);
          subscriber.next(value);
        },
        error: (error: unknown) => {
          const failed = inner;
          // Whatever retryAfter throws (shouldRetry, onRetry) errors the output, as in RxJS's operators.
          try {
            retryAfter(error);
          } catch (thrown) {
            subscriber.error(thrown);
          }
          if (subscribing) erredEarly = true;
          // (A synchronous online$ may have let the next connection in already: the failed one is settled.)
          else if (inner === failed) settle();
        },
        complete: () => {
          settle();
          subscriber.complete();
        },
      };

      function resubscribe(): void {
        waiting = undefined;
        if (subscribing) {
          again = true;
          return;
        }
        // The failed connection, if a synchronous online$ let the retry in before its teardown.
        settle();
        do {
          again = false;
          if (subscriber.closed) return;
          subscribing = true;
          erredEarly = false;
          const current = source.subscribe(observer);
          subscribing = false;
          if (erredEarly) {
            stable?.unsubscribe();
            stable = undefined;
            current.unsubscribe();
          } else if (!current.closed) inner = current;
        } while (again);
      }

      resubscribe();
      return () => {
        waiting?.unsubscribe();
        waiting = undefined;
        settle();
      };
    });
}
