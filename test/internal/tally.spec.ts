import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Tally } from '../../src/internal/tally';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('Tally', () => {
  it('snapshots at once, then at most one per interval while the counters move', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const tally = new Tally({ n: 0 });
      cold('-a-a---a----|').subscribe(() => tally.add('n'));
      expectObservable(tally.stream(() => tally.counts.n, 3, undefined as never), '^ 20ms !').toBe('a---b-----c', { a: 0, b: 2, c: 3 });
    });
  });

  it('counts while nobody observes, and a later stream starts from the counts', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const tally = new Tally({ n: 0, last: 0 });
      // Added before any stream is observed: nothing to wake, but the counts move.
      tally.add('n', 5);
      tally.set('last', 7);
      expect(tally.counts).toEqual({ n: 5, last: 7 });
      cold('---a|').subscribe(() => tally.add('n'));
      expectObservable(tally.stream(() => ({ ...tally.counts }), 2, undefined as never), '^ 10ms !').toBe('a----b', { a: { n: 5, last: 7 }, b: { n: 6, last: 7 } });
    });
  });

  it('wakes an observed stream on set as on add, and complete ends it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const tally = new Tally({ rtt: 0 });
      cold('-a--c').subscribe((v) => (v === 'a' ? tally.set('rtt', 42) : tally.complete()));
      expectObservable(tally.stream(() => tally.counts.rtt, 1, undefined as never)).toBe('a-b-|', { a: 0, b: 42 });
    });
  });

  it('moved() wakes an observed stream after a counter was added to by name, as add does', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const tally = new Tally({ n: 0 });
      tally.counts.n += 1;
      tally.moved(); // unobserved: nothing to wake, the count stays
      cold('--a').subscribe(() => {
        tally.counts.n += 1;
        tally.moved();
      });
      expectObservable(tally.stream(() => tally.counts.n, 2, undefined as never), '^ 10ms !').toBe('a---b', { a: 1, b: 2 });
    });
  });
});
