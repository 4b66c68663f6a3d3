// RxJS's own Subscriber contract (spec/Subscriber-spec.ts of RxJS 7), restated for the
// behaviours DirectObservable claims, and run against RxJS's Observable and against
// DirectObservable alike: wherever one passes and the other fails, they differ.
import { afterEach, describe, expect, it } from 'vitest';
import { Observable, config, type Observer, type Subscription } from 'rxjs';
import { DirectObservable, type Sink } from '../../src/internal/directObservable';

/** A source of either kind that keeps the sink it was subscribed with, so a test can push to it after the fact. */
function captured(kind: 'rxjs' | 'direct', teardown: () => void = () => undefined) {
  const sinks: Array<Sink<unknown>> = [];
  const attach = (sink: Sink<unknown>) => {
    sinks.push(sink);
    return teardown;
  };
  const observable: Observable<unknown> = kind === 'rxjs' ? new Observable<unknown>((subscriber) => attach(subscriber)) : new DirectObservable<unknown>(attach);
  return { observable, sink: (i = 0) => sinks[i]! };
}

const unhandled: unknown[] = [];
afterEach(() => {
  config.onUnhandledError = null;
  unhandled.length = 0;
});

describe.each(['rxjs', 'direct'] as const)("RxJS's Subscriber contract, on %s", (kind) => {
  it('ignores next after unsubscription', () => {
    let times = 0;
    const { observable, sink } = captured(kind);
    const subscription = observable.subscribe({ next: () => (times += 1) });
    sink().next(1);
    sink().next(2);
    subscription.unsubscribe();
    sink().next(3);
    expect(times).toBe(2);
  });

  it('ignores error after unsubscription', () => {
    let times = 0;
    let errorCalled = false;
    const { observable, sink } = captured(kind);
    const subscription = observable.subscribe({ next: () => (times += 1), error: () => (errorCalled = true) });
    sink().next(1);
    subscription.unsubscribe();
    sink().next(2);
    sink().error(new Error('late'));
    expect(times).toBe(1);
    expect(errorCalled).toBe(false);
  });

  it('ignores complete after unsubscription', () => {
    let completeCalled = false;
    const { observable, sink } = captured(kind);
    const subscription = observable.subscribe({ next: () => undefined, complete: () => (completeCalled = true) });
    subscription.unsubscribe();
    sink().complete();
    expect(completeCalled).toBe(false);
  });

  it('does not close a subscription when another one with the same observer instance completes', () => {
    const observer = { next: () => undefined };
    const { observable, sink } = captured(kind);
    const first = observable.subscribe(observer);
    const second = observable.subscribe(observer);
    sink(1).complete();
    expect(first.closed).toBe(false);
    expect(second.closed).toBe(true);
  });

  it('calls complete without arguments', () => {
    let args: unknown[] | undefined;
    const { observable, sink } = captured(kind);
    observable.subscribe({ complete: (...given: unknown[]) => (args = given) } as Partial<Observer<unknown>>);
    sink().complete();
    expect(args).toEqual([]);
  });

  it('unsubscribes idempotently: the teardown runs once', () => {
    let count = 0;
    const { observable } = captured(kind, () => (count += 1));
    const subscription: Subscription = observable.subscribe(() => undefined);
    subscription.unsubscribe();
    subscription.unsubscribe();
    expect(count).toBe(1);
  });

  it('closes and tears down after complete, and after error', () => {
    for (const end of ['complete', 'error'] as const) {
      let tornDown = false;
      const { observable, sink } = captured(kind, () => (tornDown = true));
      const subscription = observable.subscribe({ error: () => undefined });
      if (end === 'complete') sink().complete();
      else sink().error(new Error('test'));
      expect(tornDown, end).toBe(true);
      expect(subscription.closed, end).toBe(true);
    }
  });

  it('keeps `this` of an observer-shaped class instance', () => {
    class Consumer {
      values: string[] = [];
      next(value: string) {
        if (value === 'reset') this.values = [];
        else this.values.push(value);
      }
    }
    const consumer = new Consumer();
    const { observable, sink } = captured(kind);
    observable.subscribe(consumer as unknown as Observer<unknown>);
    for (const value of ['old', 'old', 'reset', 'new', 'new']) sink().next(value);
    expect(consumer.values).toEqual(['new', 'new']);
  });

  it('does not call error when the next handler throws: the throw is reported as unhandled, and delivery goes on', () => {
    config.onUnhandledError = (error) => unhandled.push(error);
    let errorCalled = false;
    const seen: number[] = [];
    const { observable, sink } = captured(kind);
    observable.subscribe({
      next: (value) => {
        seen.push(value as number);
        if (value === 2) throw new Error('consumer');
      },
      error: () => (errorCalled = true),
    });
    for (const value of [1, 2, 3]) sink().next(value);
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      expect(errorCalled).toBe(false);
      expect(seen).toEqual([1, 2, 3]);
      expect(unhandled.map((e) => (e as Error).message)).toEqual(['consumer']);
    });
  });

  it('delivers nothing after error or complete, and ends only once', () => {
    const calls: string[] = [];
    const { observable, sink } = captured(kind);
    observable.subscribe({ next: (v) => calls.push(`next ${v}`), error: () => calls.push('error'), complete: () => calls.push('complete') });
    sink().next(1);
    sink().error(new Error('first'));
    sink().next(2);
    sink().complete();
    sink().error(new Error('second'));
    expect(calls).toEqual(['next 1', 'error']);
  });
});
