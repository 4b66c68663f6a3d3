import { describe, expect, it } from 'vitest';
import { Subject, Subscriber } from 'rxjs';
import { DirectObservable, callConsumer, directConsumer, type Sink, type SinkWatcher } from '../../src/internal/directObservable';
import { catchUnhandled, tick, unhandled } from '../support/unhandled';

/** A source that keeps its one sink, so a test can ask for its consumer. */
function source<T>() {
  let sink: Sink<T> | undefined;
  const observable = new DirectObservable<T>((s) => {
    sink = s;
    return () => (sink = undefined);
  });
  return { observable, sink: () => sink! };
}

/** A watcher that counts how often it was told. */
function watcher(): SinkWatcher & { told: number } {
  return {
    told: 0,
    sinkStopped() {
      this.told += 1;
    },
  };
}


describe('directConsumer', () => {
  it("gives a function subscriber's own function, called with its sink as `this`", () => {
    const s = source<number>();
    const seen: Array<[number, unknown]> = [];
    const next = function (this: unknown, v: number) {
      seen.push([v, this]);
    };
    s.observable.subscribe(next);
    const consumer = directConsumer(s.sink(), watcher());
    expect(consumer).toBe(next);
    callConsumer(consumer!, s.sink(), 1);
    expect(seen).toEqual([[1, s.sink()]]);
  });

  it('gives nothing for a partial observer, a Subscriber or a Subject', () => {
    const s = source<number>();
    s.observable.subscribe({ next: () => undefined });
    expect(directConsumer(s.sink(), watcher())).toBeUndefined();
    s.observable.subscribe(new Subject<number>());
    expect(directConsumer(s.sink(), watcher())).toBeUndefined();
    const plain: Sink<number> = new Subscriber<number>();
    expect(directConsumer(plain, watcher())).toBeUndefined();
  });

  it.each([
    ['unsubscribed', (sub: { unsubscribe(): void }) => sub.unsubscribe()],
    ['errored', (_: unknown, sink: Sink<number>) => sink.error(new Error('x'))],
    ['completed', (_: unknown, sink: Sink<number>) => sink.complete()],
  ])('tells the watcher once when the sink is %s, and then has no consumer', async (_, stop) => {
    catchUnhandled();
    const s = source<number>();
    const w = watcher();
    const subscription = s.observable.subscribe(() => undefined);
    const sink = s.sink();
    expect(directConsumer(sink, w)).toBeTypeOf('function');
    stop(subscription, sink);
    expect(w.told).toBe(1);
    subscription.unsubscribe();
    sink.complete();
    expect(w.told).toBe(1);
    expect(directConsumer(sink, watcher())).toBeUndefined();
    await tick(); // the unhandled 'x' of the errored case is reported now, not in the next test
  });

  it('tells the watcher before the error reaches the user (whose callback may be re-entered by the source)', async () => {
    catchUnhandled();
    const s = source<number>();
    const order: string[] = [];
    s.observable.subscribe(() => undefined);
    const sink = s.sink();
    expect(directConsumer(sink, { sinkStopped: () => order.push('told') })).toBeTypeOf('function');
    sink.error(new Error('boom'));
    order.push('error returned');
    expect(order).toEqual(['told', 'error returned']);
    await tick();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('tells only the last watcher given', () => {
    const s = source<number>();
    s.observable.subscribe(() => undefined);
    const first = watcher();
    const second = watcher();
    directConsumer(s.sink(), first);
    directConsumer(s.sink(), second);
    s.sink().complete();
    expect([first.told, second.told]).toEqual([0, 1]);
  });

  it('reports an error the consumer throws through config.onUnhandledError, never to the producer', async () => {
    catchUnhandled();
    const s = source<number>();
    s.observable.subscribe(() => {
      throw new Error('consumer bug');
    });
    const consumer = directConsumer(s.sink(), watcher())!;
    expect(() => callConsumer(consumer, s.sink(), 1)).not.toThrow();
    await tick();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['consumer bug']);
  });
});
