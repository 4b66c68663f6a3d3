import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { route } from '../../src/operators/route';
import { testScheduler } from '../support/marbles';

describe('route', () => {
  it('hands each value to the handler of its key and passes unrouted values downstream', () => {
    const lobby: string[] = [];
    const games: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const routes = new Map([
        ['l', { next: (v: string) => lobby.push(v) }],
        ['g', { next: (v: string) => games.push(v) }],
      ]);
      const source = cold('-a-b-c-d|', { a: 'l1', b: 'g1', c: 'x1', d: 'l2' });
      expectObservable(source.pipe(route((v) => v[0], routes))).toBe('-----c--|', { c: 'x1' });
    });
    expect(lobby).toEqual(['l1', 'l2']);
    expect(games).toEqual(['g1']);
  });

  it('reads the map on every value, so routes can come and go while it runs', () => {
    const seen: string[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const routes = new Map<string, { next(v: string): void }>();
      hot('--x').subscribe(() => routes.set('a', { next: (v) => seen.push(v) }));
      hot('----x').subscribe(() => routes.delete('a'));
      expectObservable(hot('-a-a-a', { a: 'a' }).pipe(route((v) => v, routes))).toBe('-a---a', { a: 'a' });
    });
    expect(seen).toEqual(['a']);
  });

  it('errors the output and unsubscribes the source when keyOf throws, as map does with a throwing project', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bug = new Error('keyOf bug');
      const source = cold('-a-b-c|');
      const keyOf = (v: string): string | undefined => {
        if (v === 'b') throw bug;
        return undefined;
      };
      expectObservable(source.pipe(route(keyOf, new Map()))).toBe('-a-#', { a: 'a' }, bug);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('errors the output and unsubscribes the source when a route target throws, as tap does', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bug = new Error('target bug');
      const source = cold('-x-k-x|');
      const routes = new Map([['k', { next: () => { throw bug; } }]]);
      expectObservable(source.pipe(route((v) => v, routes))).toBe('-x-#', { x: 'x' }, bug);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('calls keyOf no more once it has thrown, even for a synchronous source that goes on emitting', () => {
    const bug = new Error('keyOf bug');
    const keys: number[] = [];
    const errors: unknown[] = [];
    of(1, 2, 3)
      .pipe(
        route((v) => {
          keys.push(v);
          throw bug;
        }, new Map()),
      )
      .subscribe({ next: () => errors.push('value'), error: (e) => errors.push(e) });
    expect(keys).toEqual([1]);
    expect(errors).toEqual([bug]);
  });

  it('passes errors through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-#').pipe(route(() => 'k', new Map()))).toBe('-#');
    });
  });
});
