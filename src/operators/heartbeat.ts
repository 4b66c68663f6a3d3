import { MonoTypeOperatorFunction, Observable, SchedulerLike, asyncScheduler } from 'rxjs';
import { HeartbeatTimeoutError } from '../protocol/errors';

/** Options of {@link heartbeat}. */
export interface HeartbeatConfig<T> {
  /**
   * Sends one ping. Called every `interval` milliseconds while the stream is subscribed.
   */
  send: () => void;
  /**
   * Tells a pong apart from other inbound values. Pongs measure the round-trip time
   * and are not passed downstream.
   * @defaultValue a function that matches nothing (no round-trip time is measured)
   */
  isPong?: (value: T) => boolean;
  /**
   * Milliseconds between pings.
   * @defaultValue 15000
   */
  interval?: number;
  /**
   * Milliseconds to wait, after a ping was due, for anything at all to arrive. The
   * stream errors with {@link HeartbeatTimeoutError} after `interval + timeout`
   * milliseconds without any inbound value.
   * @defaultValue 10000
   */
  timeout?: number;
  /**
   * Called with the round-trip time, in milliseconds, each time a pong answers a ping.
   * @defaultValue none
   */
  onRoundTrip?: (rtt: number) => void;
  /**
   * The scheduler for the ping interval, the timeout and the clock.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

const MAX_PENDING_PINGS = 16;

/**
 * The defaults of {@link heartbeat} and of the client's heartbeat: a ping every
 * `interval` ms; `interval + timeout` ms of silence after a due ping fails the connection.
 */
export const HEARTBEAT_DEFAULTS = Object.freeze({
  /** Milliseconds between pings. */
  interval: 15_000,
  /** Extra milliseconds of silence allowed after a due ping. */
  timeout: 10_000,
});

/**
 * Keeps a connection honest: sends a ping every `interval`, treats any inbound value
 * as a sign of life, and errors with {@link HeartbeatTimeoutError} when nothing at all
 * has arrived for `interval + timeout` milliseconds, which `reconnect` then retries.
 * This is what detects a half-open connection (TCP still up, nobody answering).
 *
 * Apply it to the inbound stream of one connection; `send` writes a ping on that
 * connection.
 *
 * @example
 * ```ts
 * const socket = webSocket<Msg>(url);
 * socket.pipe(
 *   heartbeat({ send: () => socket.next({ type: 'ping' }), isPong: (m) => m.type === 'pong' }),
 *   reconnect(),
 * );
 * ```
 */
export function heartbeat<T>(config: HeartbeatConfig<T>): MonoTypeOperatorFunction<T> {
  const { send, isPong, interval = HEARTBEAT_DEFAULTS.interval, timeout = HEARTBEAT_DEFAULTS.timeout, onRoundTrip, scheduler = asyncScheduler } = config;
  const silenceLimit = interval + timeout;

  return (source) =>
    new Observable<T>((subscriber) => {
      // Time of each ping still waiting for its pong, oldest first.
      const pending: number[] = [];
      let lastSeen = scheduler.now();
      // The first ping sent since the last sign of life: silence counts against the
      // server only once a ping went out and `timeout` passed without an answer.
      let probeAt: number | undefined;

      const ping = (): boolean => {
        // A server that never answers pings must not grow this list forever.
        if (pending.length >= MAX_PENDING_PINGS) pending.shift();
        const now = scheduler.now();
        pending.push(now);
        probeAt ??= now;
        try {
          send();
          return true;
        } catch (error) {
          // Thrown out of a scheduled action it would be uncaught; like a callback of RxJS's own operators, it errors the output.
          subscriber.error(error);
          return false;
        }
      };

      // One watchdog re-armed for the remaining budget, instead of a new timer per
      // inbound message: the hot path only stores a timestamp. It judges elapsed time,
      // not how often it ran: in a hidden tab whose timers the browser throttles (or
      // after a laptop slept), it wakes late; silence then fails the connection only
      // if a ping went out at least `timeout` before and nothing came since. If the
      // ping timer was held back too, it pings now and waits `timeout` for an answer.
      subscriber.add(
        scheduler.schedule(function watchdog() {
          const now = scheduler.now();
          const silent = now - lastSeen;
          if (silent < silenceLimit) return void this.schedule(undefined, silenceLimit - silent);
          if (probeAt === undefined) {
            if (ping()) this.schedule(undefined, timeout);
            return;
          }
          const waited = now - probeAt;
          if (waited >= timeout) subscriber.error(new HeartbeatTimeoutError(silent));
          else this.schedule(undefined, timeout - waited);
        }, silenceLimit),
      );

      subscriber.add(
        scheduler.schedule(function pinger() {
          if (ping()) this.schedule(undefined, interval);
        }, interval),
      );

      subscriber.add(
        source.subscribe({
          next: (value) => {
            // A synchronous source goes on emitting after an error until its subscribe returns.
            if (subscriber.closed) return;
            lastSeen = scheduler.now();
            probeAt = undefined;
            // As RxJS's own operators: a throwing isPong or onRoundTrip errors the output, which tears down the source.
            try {
              if (isPong?.(value)) {
                const sentAt = pending.shift();
                if (sentAt !== undefined) onRoundTrip?.(lastSeen - sentAt);
                return;
              }
              subscriber.next(value);
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      );
    });
}
