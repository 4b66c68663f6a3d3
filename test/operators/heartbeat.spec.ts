import { describe, expect, it } from 'vitest';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { heartbeat } from '../../src/operators/heartbeat';
import { HeartbeatTimeoutError } from '../../src/protocol/errors';
import { testScheduler } from '../support/marbles';

describe('heartbeat', () => {
  it('errors exactly at interval + timeout of silence, after one ping', () => {
    const pings: number[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, time }) => {
      const source = cold('-');
      const result = source.pipe(
        heartbeat({ interval: time('----------|'), timeout: time('-----|'), send: () => pings.push(Date.now()) }),
      );
      expectObservable(result).toBe('15ms #', undefined, new HeartbeatTimeoutError(15));
      expectSubscriptions(source.subscriptions).toBe('^ 14ms !');
    });
    expect(pings).toHaveLength(1);
  });

  it('counts any inbound value as a sign of life and keeps pinging every interval', () => {
    const sentAt: number[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('12ms a');
      const result = source.pipe(
        heartbeat({ interval: 10, timeout: 5, send: () => sentAt.push(sentAt.length) }),
      );
      // silence since 12 -> error at 12 + 15 = 27
      expectObservable(result).toBe('12ms a 14ms #', { a: 'a' }, new HeartbeatTimeoutError(15));
    });
    expect(sentAt).toHaveLength(2); // pings at 10 and 20
  });

  it('never times out while messages keep arriving', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a 7ms a 7ms a 7ms a 7ms a|');
      const result = source.pipe(heartbeat({ interval: 5, timeout: 5, send: () => undefined }));
      expectObservable(result).toBe('-a 7ms a 7ms a 7ms a 7ms a|');
    });
  });

  it('measures the round trip from ping to pong and swallows the pong', () => {
    const rtts: number[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('13ms p 5ms m 10ms p', { p: 'pong', m: 'msg' });
      const result = source.pipe(
        heartbeat<string>({
          interval: 10,
          timeout: 50,
          send: () => undefined,
          isPong: (v) => v === 'pong',
          onRoundTrip: (rtt) => rtts.push(rtt),
        }),
      );
      expectObservable(result, '^ 40ms !').toBe('19ms m', { m: 'msg' });
    });
    // ping at 10 answered at 13; ping at 20 answered at 30
    expect(rtts).toEqual([3, 10]);
  });

  it('errors the output and unsubscribes the source when isPong throws', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bug = new Error('isPong bug');
      const source = cold('--a-p-a', { a: 'msg', p: 'pong' });
      const isPong = (v: string): boolean => {
        if (v === 'pong') throw bug;
        return false;
      };
      expectObservable(source.pipe(heartbeat({ interval: 100, timeout: 100, send: () => undefined, isPong }))).toBe('--a-#', { a: 'msg' }, bug);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('errors the output, unsubscribes the source and pings no more when send throws', () => {
    let pings = 0;
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bug = new Error('send bug');
      const source = cold('-a-----a', { a: 'msg' });
      const send = () => {
        pings += 1;
        throw bug;
      };
      expectObservable(source.pipe(heartbeat({ interval: 3, timeout: 100, send }))).toBe('-a-#', { a: 'msg' }, bug);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(pings).toBe(1);
  });

  it('errors the output and unsubscribes the source when onRoundTrip throws', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const bug = new Error('onRoundTrip bug');
      const source = hot('-m-p-m', { m: 'msg', p: 'pong' });
      const result = source.pipe(
        heartbeat<string>({
          interval: 2,
          timeout: 100,
          send: () => undefined,
          isPong: (v) => v === 'pong',
          onRoundTrip: () => {
            throw bug;
          },
        }),
      );
      expectObservable(result).toBe('-m-#', { m: 'msg' }, bug);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('passes errors and completion through and stops pinging after them', () => {
    let pings = 0;
    testScheduler().run(({ cold, expectObservable }) => {
      const boom = new Error('closed');
      expectObservable(cold('--a-#', { a: 1 }, boom).pipe(heartbeat({ interval: 3, timeout: 10, send: () => pings++ }))).toBe(
        '--a-#',
        { a: 1 },
        boom,
      );
    });
    expect(pings).toBe(1); // the ping at 3; none after the error at 4
  });
});

describe('heartbeat judges elapsed time, not how often its timers ran', () => {
  // A clock that jumps 100 ms at frame 13 while no timer fires: a laptop that slept, or
  // a hidden tab whose timers the browser held back.
  const jumpingClock = (): SchedulerLike => ({
    now: () => asyncScheduler.now() + (asyncScheduler.now() >= 13 ? 100 : 0),
    schedule: (work, delay, state) => asyncScheduler.schedule(work as never, delay, state),
  });

  it('after a jump with its own ping held back, pings first and keeps a connection that answers', () => {
    const sent: number[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // Pongs at 12 (for the ping at 10) and at 16 (for the watchdog's ping at 15).
      const source = cold('------------p---p--------', { p: 'pong' });
      const result = source.pipe(
        heartbeat({ interval: 10, timeout: 5, scheduler: jumpingClock(), send: () => sent.push(asyncScheduler.now()), isPong: (v) => v === 'pong' }),
      );
      expectObservable(result, '^ 29ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^ 29ms !');
    });
    // 10 and 20: the ping timer; 15: the watchdog, which found 103 ms of silence but no
    // ping sent since the last answer, so it asked before judging.
    expect(sent).toEqual([10, 15, 20]);
  });

  it('after a jump, fails at once when a ping sent before it was never answered', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-');
      const result = source.pipe(heartbeat({ interval: 10, timeout: 5, scheduler: jumpingClock(), send: () => undefined }));
      // The ping at 10 (clock 110) went unanswered: at 15 (clock 115) the silence is 115 ms.
      expectObservable(result).toBe('---------------#', undefined, new HeartbeatTimeoutError(115));
    });
  });
});
