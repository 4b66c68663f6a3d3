import { describe, expect, it } from 'vitest';
import { map, Subject, type Subscription } from 'rxjs';
import { DirectObservable, type Sink } from '../../src/internal/directObservable';
import { testScheduler } from '../support/marbles';
import { catchUnhandled, tick, unhandled } from '../support/unhandled';

/** A source that hands out its sinks, so a test can push to them. */
function source<T>() {
  const sinks = new Set<Sink<T>>();
  let teardowns = 0;
  const observable = new DirectObservable<T>((sink) => {
    sinks.add(sink);
    return () => {
      sinks.delete(sink);
      teardowns += 1;
    };
  });
  return { observable, sinks, push: (value: T) => [...sinks].forEach((s) => s.next(value)), teardowns: () => teardowns };
}


describe('DirectObservable', () => {
  it('delivers to a function until unsubscribed, then tears down and delivers nothing', () => {
    const s = source<number>();
    const seen: number[] = [];
    const subscription = s.observable.subscribe((v) => seen.push(v));
    s.push(1);
    s.push(2);
    subscription.unsubscribe();
    s.push(3);
    expect(seen).toEqual([1, 2]);
    expect(s.teardowns()).toBe(1);
    expect(subscription.closed).toBe(true);
  });

  it('calls a partial observer as a method, then error once, and nothing after it', () => {
    const s = source<number>();
    const calls: string[] = [];
    const observer = {
      prefix: 'v',
      next(this: { prefix: string }, v: number) {
        calls.push(`${this.prefix}${v}`);
      },
      error: (e: unknown) => calls.push(`error ${String(e)}`),
      complete: () => calls.push('complete'),
    };
    const subscription = s.observable.subscribe(observer);
    const [sink] = [...s.sinks];
    sink!.next(1);
    sink!.error('boom');
    sink!.next(2);
    sink!.complete();
    expect(calls).toEqual(['v1', 'error boom']);
    expect(subscription.closed).toBe(true);
    expect(s.teardowns()).toBe(1);
  });

  it('reports an error thrown by one consumer through config.onUnhandledError, and keeps delivering to the others', async () => {
    catchUnhandled();
    const s = source<number>();
    const seen: number[] = [];
    s.observable.subscribe(() => {
      throw new Error('consumer bug');
    });
    s.observable.subscribe((v) => seen.push(v));
    s.push(1);
    s.push(2);
    expect(seen).toEqual([1, 2]);
    await tick();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['consumer bug', 'consumer bug']);
  });

  it('reports an error nobody handles, like RxJS', async () => {
    catchUnhandled();
    const s = source<number>();
    s.observable.subscribe(() => undefined);
    [...s.sinks][0]!.error(new Error('lost'));
    await tick();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['lost']);
  });

  it('errors the observer when attach throws, and returns a closed subscription', () => {
    const bug = new Error('attach bug');
    const registered = new Set<Sink<number>>();
    const observable = new DirectObservable<number>((sink) => {
      registered.add(sink);
      throw bug;
    });
    const errors: unknown[] = [];
    let subscription: Subscription | undefined;
    expect(() => (subscription = observable.subscribe({ error: (e) => errors.push(e) }))).not.toThrow();
    expect(errors).toEqual([bug]);
    expect(subscription!.closed).toBe(true);
    expect([...registered][0]!.constructor.name).toBe('DirectSink');
  });

  it('reports a throw in attach through config.onUnhandledError when there is no error callback', () => {
    catchUnhandled();
    const bug = new Error('attach bug');
    const observable = new DirectObservable<number>(() => {
      throw bug;
    });
    testScheduler().run(() => {
      const subscription = observable.subscribe(() => undefined);
      expect(subscription.closed).toBe(true);
      expect(unhandled).toEqual([]); // reported asynchronously, as RxJS does
    });
    expect(unhandled).toEqual([bug]);
  });

  it('tears down at once a source that completes while being subscribed', () => {
    let torn = false;
    const done: string[] = [];
    const observable = new DirectObservable<number>((sink) => {
      sink.complete();
      return () => (torn = true);
    });
    const subscription: Subscription = observable.subscribe({ complete: () => done.push('complete') });
    expect(done).toEqual(['complete']);
    expect(torn).toBe(true);
    expect(subscription.closed).toBe(true);
  });

  it('subscribes Subscribers (operators) the ordinary way, and takes a Subject as an observer', () => {
    const s = source<number>();
    const subject = new Subject<number>();
    const seen: number[] = [];
    subject.subscribe((v) => seen.push(v));
    s.observable.subscribe(subject);
    s.observable.pipe(map((v) => v * 10)).subscribe((v) => seen.push(v));
    s.push(1);
    expect(seen).toEqual([1, 10]);
  });

  it('subscribes a Subscriber of another RxJS copy (an observer that is a subscription) the ordinary way', () => {
    const s = source<number>();
    const seen: number[] = [];
    let removed = 0;
    const foreign = {
      closed: false,
      next: (v: number) => seen.push(v),
      error: () => undefined,
      complete: () => undefined,
      add: () => undefined,
      remove: () => (removed += 1),
      unsubscribe: () => undefined,
    };
    s.observable.subscribe(foreign);
    s.push(4);
    expect(seen).toEqual([4]);
    // The ordinary path wraps it in RxJS's own Subscriber: the sink the source got is not a DirectSink.
    expect([...s.sinks][0]!.constructor.name).not.toBe('DirectSink');
    expect(removed).toBe(0);
  });

  it('surfaces an unhandled consumer error from TestScheduler.run, in virtual time, as RxJS does', () => {
    expect(() =>
      testScheduler().run(({ cold }) => {
        const input = cold('-a', { a: 1 });
        const observable = new DirectObservable<number>((sink) => {
          const inner = input.subscribe(sink);
          return () => inner.unsubscribe();
        });
        observable.subscribe(() => {
          throw new Error('consumer bug in a marble test');
        });
      }),
    ).toThrow('consumer bug in a marble test');
  });

  it('behaves as an Observable in marble tests', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-#', { a: 1, b: 2 });
      const observable = new DirectObservable<number>((sink) => {
        const inner = input.subscribe(sink);
        return () => inner.unsubscribe();
      });
      expectObservable(observable.pipe(map((v) => v + 1))).toBe('-a-b-#', { a: 2, b: 3 });
      expectObservable(observable, '^--!').toBe('-a-', { a: 1 });
    });
  });
});
