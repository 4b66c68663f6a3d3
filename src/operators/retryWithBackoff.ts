import { MonoTypeOperatorFunction, SchedulerLike, asyncScheduler, retry, throwError, timer } from 'rxjs';

/**
 * The defaults of {@link exponentialBackoff} and {@link retryWithBackoff}, for
 * requests and other finite work: shorter than {@link RECONNECT_DEFAULTS}, which pace
 * a whole connection (a request retried waits for one server, a reconnection storm
 * is many clients at once).
 */
export const RETRY_DEFAULTS = Object.freeze({
  /** The bound of the first delay, in milliseconds. */
  initialDelay: 200,
  /** Each bound is the previous one's times this. */
  multiplier: 2,
  /** The longest delay, in milliseconds. */
  maxDelay: 10_000,
  /** A random delay between 0 and the bound. */
  jitter: 'full' as const,
  /** Retries before the error goes through. */
  maxAttempts: 3,
});

/**
 * How a backoff spreads retries around its exponential bound
 * `min(maxDelay, initialDelay × multiplier^(attempt−1))`:
 * - `'full'`: a random delay between 0 and the bound. The widest spread (clients dropped
 *   together come back spread over the whole window) and the shortest mean wait, but a
 *   retry may come almost at once.
 * - `'equal'`: half the bound plus a random part of the other half. Never sooner than
 *   half the bound: gentler on a server that is down, slower to recover.
 * - `'decorrelated'`: a random delay between `initialDelay` and three times the previous
 *   delay, capped at `maxDelay` (no `multiplier`). Each client's delays wander apart
 *   from the others', and grow more slowly than a doubling bound.
 * - `'none'`: exactly the bound; for tests, or a single client.
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** How long to wait before retry number `attempt` (1-based), in milliseconds. */
export type BackoffStrategy = (attempt: number) => number;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /**
   * The bound of the first delay, in milliseconds.
   * @defaultValue 200
   */
  initialDelay?: number;
  /**
   * Each delay's bound is the previous one's times this.
   * @defaultValue 2
   */
  multiplier?: number;
  /**
   * No delay is longer than this, in milliseconds.
   * @defaultValue 10000
   */
  maxDelay?: number;
  /**
   * How the delay is drawn from the exponential bound; see {@link Jitter}.
   * @defaultValue 'full'
   */
  jitter?: Jitter;
  /**
   * The random source for jitter, in [0, 1).
   * @defaultValue Math.random
   */
  random?: () => number;
}

/**
 * Exponential backoff, capped, with full jitter by default: the delay before retry
 * `attempt` is `min(maxDelay, initialDelay × multiplier^(attempt−1))`, or a random time
 * up to it.
 *
 * @example
 * ```ts
 * const delay = exponentialBackoff({ initialDelay: 100, maxDelay: 1000, jitter: 'none' });
 * [1, 2, 3, 4, 5].map(delay); // [100, 200, 400, 800, 1000]
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffStrategy {
  const {
    initialDelay = RETRY_DEFAULTS.initialDelay,
    multiplier = RETRY_DEFAULTS.multiplier,
    maxDelay = RETRY_DEFAULTS.maxDelay,
    jitter = RETRY_DEFAULTS.jitter,
    random = Math.random,
  } = options;
  // Decorrelated jitter draws from the previous delay: the sequence restarts at attempt 1.
  let previous = initialDelay;
  return (attempt) => {
    if (jitter === 'decorrelated') {
      if (attempt <= 1) previous = initialDelay;
      previous = Math.min(maxDelay, Math.floor(initialDelay + random() * (previous * 3 - initialDelay)));
      return previous;
    }
    const bound = Math.min(maxDelay, initialDelay * Math.pow(multiplier, attempt - 1));
    if (jitter === 'full') return Math.floor(random() * bound);
    if (jitter === 'equal') return Math.floor(bound / 2 + random() * (bound / 2));
    return bound;
  };
}

/** Options of {@link linearBackoff}. */
export interface LinearBackoffOptions {
  /**
   * The first delay, in milliseconds.
   * @defaultValue 500
   */
  delay?: number;
  /**
   * Added to the delay for every further retry, in milliseconds.
   * @defaultValue 500
   */
  increment?: number;
  /**
   * No delay is longer than this, in milliseconds.
   * @defaultValue 10000
   */
  maxDelay?: number;
}

/**
 * Linear backoff: `delay`, `delay + increment`, `delay + 2 × increment`, … capped at `maxDelay`.
 *
 * @example
 * ```ts
 * const delay = linearBackoff({ delay: 200, increment: 300, maxDelay: 1000 });
 * [1, 2, 3, 4].map(delay); // [200, 500, 800, 1000]
 * ```
 */
export function linearBackoff(options: LinearBackoffOptions = {}): BackoffStrategy {
  const { delay = 500, increment = 500, maxDelay = 10_000 } = options;
  return (attempt) => Math.min(maxDelay, delay + increment * (attempt - 1));
}

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffConfig {
  /**
   * How long to wait before each retry.
   * @defaultValue exponentialBackoff()
   */
  strategy?: BackoffStrategy;
  /**
   * How many retries before the error goes through.
   * @defaultValue 3
   */
  maxAttempts?: number;
  /**
   * Whether an error is worth retrying (a `RemoteError` for bad input is not, say).
   * @defaultValue a function that retries everything
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /**
   * The scheduler for the delays.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after an error, waiting as the strategy says, at most
 * `maxAttempts` times; for requests and other finite Observables. (For a connection,
 * use `reconnect`, which knows about close codes.)
 *
 * @example
 * ```ts
 * client.request('setTarget', payload, { timeout: 2000 }).pipe(
 *   retryWithBackoff({ strategy: linearBackoff({ delay: 100, increment: 100 }), maxAttempts: 5,
 *     shouldRetry: (e) => e instanceof RequestTimeoutError }),
 * );
 * ```
 */
export function retryWithBackoff<T>(config: RetryWithBackoffConfig = {}): MonoTypeOperatorFunction<T> {
  const { strategy = exponentialBackoff(), maxAttempts = RETRY_DEFAULTS.maxAttempts, shouldRetry = () => true, scheduler = asyncScheduler } = config;
  return retry<T>({
    count: maxAttempts,
    delay: (error: unknown, attempt: number) => (shouldRetry(error, attempt) ? timer(strategy(attempt), scheduler) : throwError(() => error)),
  });
}
