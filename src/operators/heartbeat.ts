import { MonoTypeOperatorFunction, Observable, SchedulerLike, asyncScheduler, type SchedulerAction, type Subscription } from 'rxjs';
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
  return (source) =>
    new Observable<T>((subscriber) => {
      const clock = new HeartbeatClock<T>(config, (error) => subscriber.error(error));
      subscriber.add(() => clock.stop());
      clock.start();
      subscriber.add(
        source.subscribe({
          next: (value) => {
            // A synchronous source goes on emitting after an error until its subscribe returns.
            if (subscriber.closed) return;
            // As RxJS's own operators: a throwing isPong or onRoundTrip errors the output, which tears down the source.
            try {
              if (!clock.seen(value)) subscriber.next(value);
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

/**
 * The heartbeat of one connection as plain calls, for {@link heartbeat} and for the
 * client's socket, which feeds it each inbound value itself (no operator chain per
 * connection): two scheduled actions that take the clock as their state, no closures.
 * @internal
 */
export class HeartbeatClock<T> {
  private readonly send: () => void;
  private readonly isPong: ((value: T) => boolean) | undefined;
  private readonly interval: number;
  private readonly timeout: number;
  private readonly silenceLimit: number;
  private readonly onRoundTrip: ((rtt: number) => void) | undefined;
  private readonly scheduler: SchedulerLike;
  /** Time of each ping still waiting for its pong, oldest first. */
  private readonly pending: number[] = [];
  private lastSeen: number;
  /**
   * The first ping sent since the last sign of life: silence counts against the
   * server only once a ping went out and `timeout` passed without an answer.
   */
  private probeAt: number | undefined = undefined;
  private watchdog: Subscription | undefined = undefined;
  private pinger: Subscription | undefined = undefined;
  private stopped = false;

  /** `fail` is told the error that ends the connection (silence, or a throwing `send`). */
  constructor(
    config: HeartbeatConfig<T>,
    private readonly fail: (error: unknown) => void,
  ) {
    this.send = config.send;
    this.isPong = config.isPong;
    this.interval = config.interval ?? HEARTBEAT_DEFAULTS.interval;
    this.timeout = config.timeout ?? HEARTBEAT_DEFAULTS.timeout;
    this.silenceLimit = this.interval + this.timeout;
    this.onRoundTrip = config.onRoundTrip;
    this.scheduler = config.scheduler ?? asyncScheduler;
    this.lastSeen = this.scheduler.now();
  }

  /** Starts the watchdog and the pings; the silence budget counts from the clock's creation. */
  start(): void {
    // One watchdog re-armed for the remaining budget, instead of a new timer per
    // inbound message: the hot path only stores a timestamp.
    this.watchdog = this.scheduler.schedule(watchdogWork, this.silenceLimit, this);
    if (!this.stopped) this.pinger = this.scheduler.schedule(pingerWork, this.interval, this);
  }

  /** Stops both timers; the clock does nothing more. */
  stop(): void {
    this.stopped = true;
    this.watchdog?.unsubscribe();
    this.pinger?.unsubscribe();
  }

  /**
   * A value arrived: a sign of life. Returns true for a pong (its round trip measured),
   * which is not passed on. Throws what `isPong` or `onRoundTrip` throws.
   */
  seen(value: T): boolean {
    const now = (this.lastSeen = this.scheduler.now());
    this.probeAt = undefined;
    if (this.isPong?.(value)) {
      const sentAt = this.pending.shift();
      if (sentAt !== undefined) this.onRoundTrip?.(now - sentAt);
      return true;
    }
    return false;
  }

  /** Sends one ping; false when `send` threw (the connection then failed with it). */
  ping(): boolean {
    const pending = this.pending;
    // A server that never answers pings must not grow this list forever.
    if (pending.length >= MAX_PENDING_PINGS) pending.shift();
    const now = this.scheduler.now();
    pending.push(now);
    this.probeAt ??= now;
    try {
      this.send();
      return true;
    } catch (error) {
      // Thrown out of a scheduled action it would be uncaught; like a callback of RxJS's own operators, it errors the output.
      this.stop();
      this.fail(error);
      return false;
    }
  }

  /**
   * The watchdog judges elapsed time, not how often it ran: in a hidden tab whose timers
   * the browser throttles (or after a laptop slept), it wakes late; silence then fails
   * the connection only if a ping went out at least `timeout` before and nothing came
   * since. If the ping timer was held back too, it pings now and waits `timeout` for an answer.
   */
  watch(action: SchedulerAction<HeartbeatClock<T>>): void {
    const now = this.scheduler.now();
    const silent = now - this.lastSeen;
    if (silent < this.silenceLimit) return void action.schedule(this, this.silenceLimit - silent);
    if (this.probeAt === undefined) {
      if (this.ping()) action.schedule(this, this.timeout);
      return;
    }
    const waited = now - this.probeAt;
    if (waited >= this.timeout) {
      this.stop();
      this.fail(new HeartbeatTimeoutError(silent));
    } else action.schedule(this, this.timeout - waited);
  }

  /** The ping timer's turn: one ping, and the next one `interval` later. */
  pingTurn(action: SchedulerAction<HeartbeatClock<T>>): void {
    if (this.ping()) action.schedule(this, this.interval);
  }
}

// The work functions serve clocks of every value type.
type AnyClock = HeartbeatClock<any>;

function watchdogWork(this: SchedulerAction<AnyClock>, clock: AnyClock | undefined): void {
  clock!.watch(this);
}

function pingerWork(this: SchedulerAction<AnyClock>, clock: AnyClock | undefined): void {
  clock!.pingTurn(this);
}
