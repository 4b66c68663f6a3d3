import { Observable, Subscriber, Subscription, type Observer, type TeardownLogic } from 'rxjs';
import { reportUnhandled } from './reportUnhandled';

/** What a source of a {@link DirectObservable} pushes to: a Subscriber, or a direct sink. */
export interface Sink<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * What a source that calls a sink's consumer itself (see {@link directConsumer}) is told
 * by: the sink stopped taking values, and from now on goes through its `next` again.
 */
export interface SinkWatcher {
  sinkStopped(): void;
}

/** The observer of a sink subscribed with a function, or with nothing: shared, it has no methods. */
const NO_OBSERVER: Partial<Observer<unknown>> = Object.freeze({});

/**
 * The subscription of one `subscribe(next)` / `subscribe({ next, error, complete })` call on a
 * {@link DirectObservable}: the sink the source pushes to, and the handle the caller
 * unsubscribes with. One object where RxJS builds three (a `SafeSubscriber`, its
 * `ConsumerObserver` and the partial observer), which matters when a client delivers to
 * thousands of them in turn: each message touches one of them, not three.
 */
class DirectSink<T> extends Subscription implements Sink<T> {
  private stopped = false;
  // A function subscriber is kept as it is (no wrapper object: one object less per delivery).
  private readonly onNext: ((value: T) => void) | undefined;
  private readonly observer: Partial<Observer<T>>;
  /** The source calling `onNext` itself, if any (see `consumer`). */
  private watcher: SinkWatcher | undefined = undefined;

  constructor(observerOrNext: Partial<Observer<T>> | ((value: T) => void) | null | undefined) {
    super();
    this.onNext = typeof observerOrNext === 'function' ? observerOrNext : undefined;
    this.observer = typeof observerOrNext === 'function' || !observerOrNext ? NO_OBSERVER : observerOrNext;
  }

  /**
   * The consumer function of a sink subscribed with a function and still taking values,
   * for a source that calls it with {@link callConsumer} without reading the sink (one
   * object less per delivery). `watcher` (one per sink, the last one given) is told
   * before the sink stops taking values: when it errors, completes or is unsubscribed.
   */
  consumer(watcher: SinkWatcher): ((value: T) => void) | undefined {
    if (this.onNext === undefined || this.stopped || this.closed) return undefined;
    this.watcher = watcher;
    return this.onNext;
  }

  /** Tells the watcher, once, that `onNext` may no longer be called directly. */
  private release(): void {
    const watcher = this.watcher;
    if (watcher === undefined) return;
    this.watcher = undefined;
    watcher.sinkStopped();
  }

  override unsubscribe(): void {
    if (!this.closed) this.release();
    super.unsubscribe();
  }

  next(value: T): void {
    if (this.stopped || this.closed) return;
    try {
      // A partial observer's methods are called as methods, as RxJS does.
      if (this.onNext) this.onNext(value);
      else this.observer.next?.(value);
    } catch (error) {
      // As in RxJS: an error thrown by a consumer never reaches the producer.
      reportUnhandled(error);
    }
  }

  error(error: unknown): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    this.release();
    try {
      if (this.observer.error) this.observer.error(error);
      else reportUnhandled(error);
    } catch (thrown) {
      reportUnhandled(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    this.release();
    try {
      this.observer.complete?.();
    } catch (thrown) {
      reportUnhandled(thrown);
    } finally {
      this.unsubscribe();
    }
  }
}

/**
 * The consumer function of `sink` if it is a {@link DirectObservable}'s sink of a function
 * subscriber still taking values, `watcher` then being told when it stops (see
 * `DirectSink.consumer`); undefined for any other sink, which is reached through `next`.
 */
export function directConsumer<T>(sink: Sink<T>, watcher: SinkWatcher): ((value: T) => void) | undefined {
  return sink instanceof DirectSink ? sink.consumer(watcher) : undefined;
}

/**
 * Delivers `value` to a consumer got from {@link directConsumer} as its sink's `next`
 * would: called with the sink as `this`, an error it throws reported as RxJS reports
 * one (never reaching the producer). Only while the consumer's watcher was not told.
 */
export function callConsumer<T>(consumer: (value: T) => void, sink: Sink<T>, value: T): void {
  try {
    consumer.call(sink, value);
  } catch (error) {
    reportUnhandled(error);
  }
}

function isSubscriberLike(value: unknown): boolean {
  const v = value as Record<string, unknown> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.next === 'function' &&
    typeof v.error === 'function' &&
    typeof v.complete === 'function' &&
    'closed' in v &&
    typeof v.add === 'function' &&
    typeof v.remove === 'function' &&
    typeof v.unsubscribe === 'function'
  );
}

/**
 * An Observable whose plain subscribers (a function or a partial observer, the common case
 * at the end of a chain) get a {@link DirectSink} instead of RxJS's subscriber chain. A
 * `Subscriber` (an operator downstream, a Subject...) is subscribed the ordinary way. The
 * behaviour is RxJS's: values until error or complete, a thrown consumer error reported
 * through `config.onUnhandledError` (or thrown asynchronously), an error without a handler
 * reported the same way, nothing delivered after unsubscribe.
 *
 * Kept on the end-to-end benchmark (docs/benchmarks.md, "Keeping DirectObservable"):
 * RxJS's Observable in its place cost 12% of msgs/s at 10,000 channels and 70 B per
 * channel. test/internal/directObservable.contract.spec.ts holds it to RxJS's
 * Subscriber contract, run against both.
 */
export class DirectObservable<T> extends Observable<T> {
  constructor(private readonly attach: (sink: Sink<T>) => TeardownLogic) {
    super((subscriber) => attach(subscriber));
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null, ...rest: unknown[]): Subscription {
    // Separate error/complete callbacks (deprecated) and Subscribers go the ordinary way,
    // including a Subscriber of another copy of RxJS, recognized as RxJS does (an observer
    // that is also a subscription).
    if (rest.length > 0 || observerOrNext instanceof Subscriber || isSubscriberLike(observerOrNext)) {
      return (Observable.prototype.subscribe as (...args: unknown[]) => Subscription).call(this, observerOrNext, ...rest);
    }
    const sink = new DirectSink<T>(observerOrNext);
    try {
      sink.add(this.attach(sink));
    } catch (error) {
      // As Observable does when its subscribe function throws: the subscriber is errored
      // (or the error reported, without an error callback) and the subscription comes back closed.
      sink.error(error);
    }
    return sink;
  }
}
