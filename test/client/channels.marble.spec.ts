import { describe, expect, it } from 'vitest';
import { take } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/types';
import type { ClientStats } from '../../src/client/types';
import { createFakeWebSocket } from '../../src/testing';
import {
  ConnectionClosedError,
  DecodeError,
  RemoteError,
  RequestTimeoutError,
  SubscriptionError,
  ValidationError,
} from '../../src/protocol/errors';
import { jsonEnvelope } from '../../src/protocol/jsonEnvelope';
import type { StreamPosition } from '../../src/protocol/position';
import { smartHome } from '../support/smartHome';
import { testScheduler } from '../support/marbles';

function setup() {
  const kit = createFakeWebSocket();
  const client = createClient({
    url: 'ws://test',
    WebSocketCtor: kit.WebSocketCtor,
    protocol: smartHome,
    // These specs are about channels and requests: a connection is open when its socket
    // is, without the acceptance frame (client.marble.spec.ts covers that).
    adapter: { ...jsonEnvelope({ batchAnswers: true }), acceptance: false },
    heartbeat: false,
    reconnect: { jitter: 'none', initialDelay: 10 },
    statsInterval: 1,
  });
  let stats: ClientStats | undefined;
  client.stats$.subscribe((s) => (stats = s));
  return { kit, client, stats: () => stats! };
}

const oven = (temperature: number) => ({ id: 'oven-1', temperature });
const msg = (id: string, offset: number, data: unknown) => ({ type: 'msg', id, offset, data });
const subscribed = (id: string, epoch: string, offset: number) => ({ type: 'subscribed', id, epoch, offset });
const sub = (id: string, params: unknown, since?: StreamPosition) =>
  since === undefined ? { type: 'sub', id, channel: 'device', params } : { type: 'sub', id, channel: 'device', params, since };
const ovenGap = (notice: Omit<GapNotice, 'channel' | 'params'>): GapNotice => ({ channel: 'device', params: { id: 'oven-1' }, ...notice });

describe('channels', () => {
  it('shares one wire subscription per channel and params, whatever the key order, until the last observer leaves', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o');
      const room = (p: { building: string; floor: number }) => client.channel('room', p);
      const a = room({ building: 'b1', floor: 2 }).subscribe();
      const b = room({ floor: 2, building: 'b1' } as { building: string; floor: number }).subscribe();
      cold('---x').subscribe(() => a.unsubscribe());
      cold('-----x').subscribe(() => b.unsubscribe());
      const roomSub = { type: 'sub', id: '1', channel: 'room', params: { building: 'b1', floor: 2 } };
      expectObservable(kit.sent$(0)).toBe('-s---u', { s: roomSub, u: { type: 'unsub', id: '1' } });
    });
  });

  it('routes each message to its own channel by subscription id', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-abc', {
        a: msg('2', 1, { id: 'fridge', temperature: 4 }),
        b: msg('1', 1, oven(100)),
        c: msg('2', 2, { id: 'fridge', temperature: 5 }),
      });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^-----!').toBe('----b', { b: oven(100) });
      expectObservable(client.channel('device', { id: 'fridge' }), '^-----!').toBe('---a-c', {
        a: { id: 'fridge', temperature: 4 },
        c: { id: 'fridge', temperature: 5 },
      });
    });
  });

  it('resubscribes every live channel exactly once after each reconnect, with the last position seen', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-o-sa#', { s: subscribed('1', 'E1', 6), a: msg('1', 7, oven(1)) });
      kit.script('-o-#');
      kit.script('-o-b', { b: msg('3', 8, oven(2)) });
      const ch = client.channel('device', { id: 'oven-1' });
      expectObservable(ch, '^ 50ms !').toBe('----a 36ms b', { a: oven(1), b: oven(2) });
      // 1st: sub at 1; drop at 5 -> 2nd opens at 16 and resubscribes since E1:7; drop at 18 -> 3rd opens at 39
      expectObservable(kit.sent$(0)).toBe('-s', { s: sub('1', { id: 'oven-1' }) });
      expectObservable(kit.sent$(1)).toBe('16ms s', { s: sub('2', { id: 'oven-1' }, { epoch: 'E1', offset: 7 }) });
      expectObservable(kit.sent$(2)).toBe('39ms s 11ms u', { s: sub('3', { id: 'oven-1' }, { epoch: 'E1', offset: 7 }), u: { type: 'unsub', id: '3' } });
      expectSubscriptions(kit.socketLogs).toBe(['^----!', '15ms ^--!', '38ms ^------------!']);
    });
  });

  it('sends the subscribes of one turn as one batch frame, resubscribes in one after a reconnect, and a lone subscribe as it is', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-abc#', { a: subscribed('1', 'E', 0), b: subscribed('2', 'E', 0), c: subscribed('3', 'E', 4) });
      kit.script('-o');
      for (const id of ['a', 'b', 'c']) client.channel('device', { id }).subscribe();
      cold('19ms x').subscribe(() => client.channel('device', { id: 'd' }).subscribe());
      // A request made in the same turn as subscribes goes after them.
      cold('21ms x').subscribe(() => {
        client.channel('device', { id: 'e' }).subscribe();
        client.channel('device', { id: 'f' }).subscribe();
        client.request('setTarget', { id: 'e', target: 1 }).subscribe({ error: () => undefined });
      });
      const batch = (...frames: unknown[]) => ({ type: 'batch', frames, reply: 'batch' });
      expectObservable(kit.sent$(0)).toBe('-s', { s: batch(sub('1', { id: 'a' }), sub('2', { id: 'b' }), sub('3', { id: 'c' })) });
      // Dropped at 6, back at 17: one batch, each with the position it had seen; then d alone; then e, f and the request.
      expectObservable(kit.sent$(1)).toBe('17ms s 1ms d 1ms (fr)', {
        s: batch(sub('4', { id: 'a' }, { epoch: 'E', offset: 0 }), sub('5', { id: 'b' }, { epoch: 'E', offset: 0 }), sub('6', { id: 'c' }, { epoch: 'E', offset: 4 })),
        d: sub('7', { id: 'd' }),
        f: batch(sub('8', { id: 'e' }), sub('9', { id: 'f' })),
        r: { type: 'req', id: 'r10', name: 'setTarget', payload: { id: 'e', target: 1 } },
      });
    });
  });

  it('drops replayed messages already delivered and counts them', () => {
    let stats: () => ClientStats = () => undefined as never;
    testScheduler().run(({ expectObservable }) => {
      const s = setup();
      stats = s.stats;
      s.kit.script('-o-sab#', { s: subscribed('1', 'E1', 0), a: msg('1', 1, oven(1)), b: msg('1', 2, oven(2)) });
      // The server replays from an offset too early: the overlap is dropped.
      s.kit.script('-o-bc', { b: msg('2', 2, oven(2)), c: msg('2', 3, oven(3)) });
      expectObservable(s.client.channel('device', { id: 'oven-1' }), '^ 30ms !').toBe('----ab 14ms c', {
        a: oven(1),
        b: oven(2),
        c: oven(3),
      });
    });
    expect(stats()).toMatchObject({ duplicates: 1, gaps: 0 });
  });

  it('emits one gap notice when the server cannot replay, and one when an offset jumps without notice', () => {
    const gaps: GapNotice[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.gaps$.subscribe((g) => gaps.push(g));
      kit.script('-o-sa#', { s: subscribed('1', 'E1', 4), a: msg('1', 5, oven(1)) });
      kit.script('-o-gbc', { g: { type: 'gap', id: '2', epoch: 'E1', from: 6, to: 9, lost: 4 }, b: msg('2', 10, oven(2)), c: msg('2', 13, oven(3)) });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 30ms !').toBe('----a 14ms bc', { a: oven(1), b: oven(2), c: oven(3) });
    });
    expect(gaps).toEqual([ovenGap({ epoch: 'E1', from: 6, to: 9, lost: 4 }), ovenGap({ epoch: 'E1', from: 11, to: 12, lost: 2 })]);
  });

  it('emits no gap notice for a resubscribe that missed nothing, however long the channel was idle', () => {
    const gaps: GapNotice[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.gaps$.subscribe((g) => gaps.push(g));
      kit.script('-o-s#', { s: subscribed('1', 'E1', 0) }); // nothing published yet
      kit.script('-o-t-#', { t: subscribed('2', 'E1', 0) });
      kit.script('-o-ua', { u: subscribed('3', 'E1', 0), a: msg('3', 1, oven(1)) });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 50ms !').toBe('43ms a', { a: oven(1) });
      expectObservable(kit.sent$(1)).toBe('15ms s', { s: sub('2', { id: 'oven-1' }, { epoch: 'E1', offset: 0 }) });
      expectObservable(kit.sent$(2)).toBe('40ms s 10ms u', { s: sub('3', { id: 'oven-1' }, { epoch: 'E1', offset: 0 }), u: { type: 'unsub', id: '3' } });
    });
    expect(gaps).toEqual([]);
  });

  it('emits exactly one notice, with the new epoch, when a resubscribe finds the history lost; none when a new epoch follows without a loss', () => {
    const gaps: GapNotice[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.gaps$.subscribe((g) => gaps.push(g));
      kit.script('-o-sa#', { s: subscribed('1', 'E1', 4), a: msg('1', 5, oven(1)) });
      kit.script('-o-tgbcd', {
        t: subscribed('2', 'E2', 1),
        g: { type: 'gap', id: '2', epoch: 'E2' }, // how much E1 still had is unknown
        b: msg('2', 1, oven(2)), // E2:1 replayed
        c: msg('2', 1, oven(2)), // and sent twice by a confused server: dropped
        d: { type: 'msg', id: '2', epoch: 'E3', offset: 1, data: oven(3) }, // the stream started over, nothing lost
      });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 30ms !').toBe('----a 15ms b-d', { a: oven(1), b: oven(2), d: oven(3) });
      expectObservable(kit.sent$(1)).toBe('16ms s 14ms u', { s: sub('2', { id: 'oven-1' }, { epoch: 'E1', offset: 5 }), u: { type: 'unsub', id: '2' } });
    });
    expect(gaps).toEqual([ovenGap({ epoch: 'E2' })]);
  });

  it('counts a new epoch as one loss when the server sends no gap, and a new epoch that does not start at 1 as a loss of its start', () => {
    const gaps: GapNotice[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.gaps$.subscribe((g) => gaps.push(g));
      kit.script('-o-sa#', { s: subscribed('1', 'E1', 4), a: msg('1', 5, oven(1)) });
      kit.script('-o-tbc', {
        t: subscribed('2', 'E2', 1),
        b: msg('2', 1, oven(2)),
        c: { type: 'msg', id: '2', epoch: 'E3', offset: 3, data: oven(3) },
      });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 30ms !').toBe('----a 14ms bc', { a: oven(1), b: oven(2), c: oven(3) });
    });
    expect(gaps).toEqual([ovenGap({ epoch: 'E2' }), ovenGap({ epoch: 'E3', from: 1, to: 2, lost: 2 })]);
  });

  it('takes a gap that says nothing was lost as no gap', () => {
    const gaps: GapNotice[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.gaps$.subscribe((g) => gaps.push(g));
      kit.script('-o-sga', { s: subscribed('1', 'E1', 4), g: { type: 'gap', id: '1', epoch: 'E1', lost: 0 }, a: msg('1', 5, oven(1)) });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 10ms !').toBe('-----a', { a: oven(1) });
    });
    expect(gaps).toEqual([]);
  });

  it('sends no stale unsubscribe for a channel left while offline, and does not resubscribe it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-#');
      kit.script('-o');
      const keep = client.channel('device', { id: 'fridge' }).subscribe();
      const left = client.channel('device', { id: 'oven-1' }).subscribe();
      cold('-----x').subscribe(() => left.unsubscribe()); // offline between 3 and 14
      // only the channel still live is resubscribed; its own unsubscribe at 19 is a live one
      expectObservable(kit.sent$(1)).toBe('14ms s 4ms u', { s: sub('3', { id: 'fridge' }), u: { type: 'unsub', id: '3' } });
      cold('-------------------x').subscribe(() => keep.unsubscribe());
    });
  });

  it('never delivers a frame routed under an id of an earlier connection', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-#');
      // the new connection's server wrongly sends a message under the old id "1"
      kit.script('-o-ab', { a: msg('1', 1, oven(1)), b: msg('2', 1, oven(2)) });
      expectObservable(client.channel('device', { id: 'oven-1' }), '^ 20ms !').toBe('17ms b', { b: oven(2) });
    });
  });

  it('errors only the refused channel with SubscriptionError', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-e-a', { e: { type: 'error', id: '1', code: 'FORBIDDEN', message: 'not yours' }, a: msg('2', 1, oven(3)) });
      expectObservable(client.channel('device', { id: 'neighbour' })).toBe(
        '---#',
        undefined,
        new SubscriptionError('device', { id: 'neighbour' }, 'FORBIDDEN', 'not yours'),
      );
      expectObservable(client.channel('device', { id: 'oven-1' }).pipe(take(1))).toBe('-----(a|)', { a: oven(3) });
    });
  });

  it('reports an invalid message with its path on errors$, counts it, and keeps the channel', () => {
    const errors: unknown[] = [];
    let stats: () => ClientStats = () => undefined as never;
    testScheduler().run(({ expectObservable }) => {
      const s = setup();
      stats = s.stats;
      s.client.errors$.subscribe((e) => errors.push(e));
      s.kit.script('-o-ba', { b: msg('1', 1, { id: 'oven-1', temperature: 'hot' }), a: msg('1', 2, oven(5)) });
      expectObservable(s.client.channel('device', { id: 'oven-1' }).pipe(take(1))).toBe('----(a|)', { a: oven(5) });
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DecodeError);
    expect((errors[0] as DecodeError).reason).toBe('message of channel "device": temperature: expected number, got "hot"');
    expect(stats()).toMatchObject({ decodeErrors: 1 });
  });

  it('rejects invalid params before anything goes on the wire', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('o');
      client.connect();
      expectObservable(client.channel('device', { id: 42 } as never)).toBe('#', undefined, new ValidationError('params of channel "device"', 'id: expected string, got 42'));
      expectObservable(kit.sent$(0)).toBe('');
    });
  });

  it('delivers typed events and reports unknown ones', () => {
    const errors: unknown[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      client.errors$.subscribe((e) => errors.push(e));
      kit.script('-o-xa', { x: { type: 'event', name: 'meteor', data: {} }, a: { type: 'event', name: 'alert', data: { device: 'fridge', message: 'door open' } } });
      expectObservable(client.event('alert').pipe(take(1))).toBe('----(a|)', { a: { device: 'fridge', message: 'door open' } });
    });
    expect((errors[0] as DecodeError).reason).toBe('unknown event "meteor"');
  });
});

describe('requests', () => {
  const req = (id: string, target = 180) => ({ type: 'req', id, name: 'setTarget', payload: { id: 'oven-1', target } });

  it('emits the typed reply once and completes', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o--r', { r: { type: 'res', id: 'r1', data: { ok: true, target: 180 } } });
      expectObservable(client.request('setTarget', { id: 'oven-1', target: 180 })).toBe('----(a|)', { a: { ok: true, target: 180 } });
      expectObservable(kit.sent$(0)).toBe('-q', { q: req('r1') });
    });
  });

  it('errors with RequestTimeoutError, leaves nothing pending, and drops a late reply', () => {
    let stats: () => ClientStats = () => undefined as never;
    testScheduler().run(({ expectObservable }) => {
      const s = setup();
      stats = s.stats;
      s.kit.script('-o 20ms r', { r: { type: 'res', id: 'r1', data: { ok: true, target: 1 } } });
      s.client.connect();
      expectObservable(s.client.request('setTarget', { id: 'oven-1', target: 1 }, { timeout: 10 })).toBe('10ms #', undefined, new RequestTimeoutError('setTarget', 10));
    });
    expect(stats()).toMatchObject({ pendingRequests: 0, lateReplies: 1 });
  });

  it("turns the server's error reply into a typed RemoteError", () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-r', { r: { type: 'res', id: 'r1', error: { code: 'OUT_OF_RANGE', message: 'too hot', data: { max: 250 } } } });
      expectObservable(client.request('setTarget', { id: 'oven-1', target: 900 })).toBe('---#', undefined, new RemoteError('setTarget', 'OUT_OF_RANGE', 'too hot', { max: 250 }));
    });
  });

  it('waits while offline and goes out on the reconnect, within its timeout', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-#');
      kit.script('-o--r', { r: { type: 'res', id: 'r1', data: { ok: true, target: 2 } } });
      client.connect();
      const late = cold('-----x');
      let result: unknown;
      late.subscribe(() => client.request('setTarget', { id: 'oven-1', target: 2 }, { timeout: 50 }).subscribe((r) => (result = r)));
      expectObservable(kit.sent$(0)).toBe('');
      expectObservable(kit.sent$(1)).toBe('14ms q', { q: req('r1', 2) });
      cold('20ms x').subscribe(() => expect(result).toEqual({ ok: true, target: 2 }));
    });
  });

  it('fails a request whose connection dropped after it was sent, rather than sending it twice, once state$ says reconnecting', () => {
    let stateWhenFailed: string | undefined;
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-o-#');
      kit.script('-o');
      let status = '';
      client.state$.subscribe((s) => (status = s.status));
      client.request('setTarget', { id: 'oven-1', target: 3 }).subscribe({ error: () => (stateWhenFailed = status) });
      expectObservable(client.request('setTarget', { id: 'oven-1', target: 3 })).toBe(
        '---#',
        undefined,
        new ConnectionClosedError(1006, 'the connection closed before the reply to "setTarget"'),
      );
    });
    expect(stateWhenFailed).toBe('reconnecting');
  });

  it('forgets a request that is unsubscribed: its reply is dropped and nothing stays pending', () => {
    let stats: () => ClientStats = () => undefined as never;
    testScheduler().run(({ expectObservable }) => {
      const s = setup();
      stats = s.stats;
      s.kit.script('-o---r', { r: { type: 'res', id: 'r1', data: { ok: true, target: 1 } } });
      s.client.connect();
      expectObservable(s.client.request('setTarget', { id: 'oven-1', target: 1 }), '^--!').toBe('');
    });
    expect(stats()).toMatchObject({ pendingRequests: 0, lateReplies: 1 });
  });

  it('rejects an invalid payload before anything goes on the wire', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('o');
      client.connect();
      expectObservable(client.request('setTarget', { id: 'oven-1', target: 'hot' } as never)).toBe(
        '#',
        undefined,
        new ValidationError('payload of request "setTarget"', 'target: expected number, got "hot"'),
      );
      expectObservable(kit.sent$(0)).toBe('');
    });
  });
});
