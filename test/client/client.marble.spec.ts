import { describe, expect, it } from 'vitest';
import { asyncScheduler, of, take } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { ClientOptions, ClientStats, ConnectionState } from '../../src/client/types';
import { createFakeWebSocket, closeWith } from '../../src/testing';
import {
  ConnectionClosedError,
  DecodeError,
  HeartbeatTimeoutError,
  InvalidOptionsError,
  MessageDroppedError,
  QueueOverflowError,
} from '../../src/protocol/errors';
import { testScheduler } from '../support/marbles';

function setup(options: Partial<ClientOptions> = {}) {
  const kit = createFakeWebSocket();
  const client = createClient({
    url: 'ws://test/live',
    WebSocketCtor: kit.WebSocketCtor,
    heartbeat: false,
    reconnect: { jitter: 'none', initialDelay: 10 },
    ...options,
  });
  return { kit, client };
}

/** Records "frame:status" for every state, in virtual time. */
function recordStates(states: ConnectionState[], log: string[]) {
  return (s: ConnectionState) => {
    states.push(s);
    log.push(`${asyncScheduler.now()}:${s.status}`);
  };
}

describe('createClient in virtual time', () => {
  it('connects lazily on the first subscriber and delivers parsed messages', () => {
    const log: string[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions, cold }) => {
      const { kit, client } = setup();
      kit.script('-o-a-b', { a: { n: 1 }, b: { n: 2 } });
      client.state$.subscribe(recordStates([], log));
      // the first subscriber arrives at frame 3
      cold('---x').subscribe(() => client.messages$.pipe(take(2)).subscribe());
      expectSubscriptions(kit.socketLogs).toBe('---^----!');
      expectObservable(kit.sent$(0)).toBe('');
    });
    expect(log).toEqual(['0:closed', '3:connecting', '4:open', '8:closed']);
  });

  it('reconnects after the server drops the connection and shows every transition on state$', () => {
    const log: string[] = [];
    const states: ConnectionState[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-o--#');
      kit.script('-#');
      kit.script('-o-a', { a: { n: 3 } });
      client.state$.subscribe(recordStates(states, log));
      expectObservable(client.messages$.pipe(take(1))).toBe('38ms (a|)', { a: { n: 3 } });
      // dropped at 4, retry 1 after 10 ms fails at 15, retry 2 after 20 ms opens at 36
      expectSubscriptions(kit.socketLogs).toBe(['^---!', '14ms ^!', '35ms ^--!']);
    });
    expect(log).toEqual([
      '0:closed',
      '0:connecting',
      '1:open',
      '4:reconnecting',
      '14:connecting',
      '15:reconnecting',
      '35:connecting',
      '36:open',
      '38:closed',
    ]);
    expect(states[3]).toMatchObject({ status: 'reconnecting', attempt: 1, delay: 10, code: 1006 });
    expect(states[5]).toMatchObject({ status: 'reconnecting', attempt: 2, delay: 20, code: 1006 });
    expect(states[8]).toMatchObject({ status: 'closed', code: 1000, final: false });
  });

  it('does not retry a 1008 close: state$ ends closed with the code and messages$ errors', () => {
    const states: ConnectionState[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-o-x', { x: closeWith(1008, 'policy') });
      client.state$.subscribe((s) => states.push(s));
      expectObservable(client.messages$).toBe('---#', undefined, new ConnectionClosedError(1008, 'policy'));
      expectSubscriptions(kit.socketLogs).toBe(['^--!']);
    });
    expect(states.at(-1)).toMatchObject({ status: 'closed', code: 1008, reason: 'policy', final: true });
  });

  it('retries a refusal with 4401 at once with a freshly fetched token, then gives up on a second refusal', () => {
    const calls: Array<{ attempt: number; refresh: boolean }> = [];
    testScheduler().run(({ expectSubscriptions }) => {
      let n = 0;
      const { kit, client } = setup({
        auth: { via: 'query', token: (ctx) => (calls.push({ ...ctx }), `t${++n}`) },
      });
      // Refused after the upgrade: opened, never accepted, closed with 4401.
      kit.script('-O-u', { u: closeWith(4401) });
      kit.script('-O-u', { u: closeWith(4401) });
      client.messages$.subscribe({ error: () => undefined });
      expectSubscriptions(kit.socketLogs).toBe(['^--!', '---^--!']);
      asyncScheduler.schedule(() => {
        expect(kit.sockets.map((s) => s.url)).toEqual(['ws://test/live?token=t1', 'ws://test/live?token=t2']);
      }, 10);
    });
    expect(calls).toEqual([
      { attempt: 0, refresh: false },
      { attempt: 1, refresh: true },
    ]);
  });

  it('detects silence within interval + timeout, sends pings, and reconnects', () => {
    const errors: unknown[] = [];
    let stats: ClientStats | undefined;
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup({ heartbeat: { interval: 10, timeout: 5 } });
      kit.script('o'); // accepts, then never says anything again
      kit.script('o 10ms p 3ms m', { p: { type: 'pong' }, m: { n: 1 } });
      client.errors$.subscribe((e) => errors.push(e));
      client.stats$.subscribe((s) => (stats = s));
      expectObservable(client.messages$.pipe(take(1))).toBe('40ms (m|)', { m: { n: 1 } });
      expectObservable(kit.sent$(0)).toBe('10ms p', { p: { type: 'ping' } });
      expectObservable(kit.sent$(1)).toBe('35ms p', { p: { type: 'ping' } });
      // silent from 0: dropped at 15; retry after 10 ms at 25; its pong at 36 answers the ping of 35
      expectSubscriptions(kit.socketLogs).toBe(['^ 14ms !', '25ms ^ 14ms !']);
    });
    expect(errors[0]).toBeInstanceOf(HeartbeatTimeoutError);
    expect(stats?.roundTripTime).toBe(1);
  });
  it('holds what is sent while connecting and flushes it in order when the socket opens', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const { kit, client } = setup();
      kit.script('---o-----a', { a: { ok: true } });
      client.messages$.pipe(take(1)).subscribe();
      client.send({ n: 1 });
      cold('-x').subscribe(() => client.send({ n: 2 }));
      cold('-------x').subscribe(() => client.send({ n: 3 }));
      expectObservable(kit.sent$(0)).toBe('---(ab)c', { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
    });
  });

  it('keeps what was queued across a lost connection and sends it on the next one', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const { kit, client } = setup();
      kit.script('-o-#');
      kit.script('-o---a', { a: { ok: true } });
      client.messages$.pipe(take(1)).subscribe();
      cold('-----x').subscribe(() => client.send('while offline'));
      // dropped at 3, retry at 13, open at 14
      expectObservable(kit.sent$(0)).toBe('');
      expectObservable(kit.sent$(1)).toBe('14ms a', { a: 'while offline' });
    });
  });

  it("with overflow 'error', send() throws and keeps what was already queued", () => {
    const errors: unknown[] = [];
    let thrown: unknown;
    testScheduler().run(({ expectObservable, cold }) => {
      const { kit, client } = setup({ queue: { max: 2, overflow: 'error' } });
      kit.script('-----o-a', { a: {} });
      client.errors$.subscribe((e) => errors.push(e));
      client.messages$.pipe(take(1)).subscribe();
      client.send(1);
      client.send(2);
      try {
        client.send(3);
      } catch (e) {
        thrown = e;
      }
      cold('-x').subscribe(() => expect(() => client.send(4)).toThrow(QueueOverflowError));
      expectObservable(kit.sent$(0)).toBe('-----(ab)', { a: 1, b: 2 });
    });
    expect(thrown).toBeInstanceOf(QueueOverflowError);
    expect(thrown).toMatchObject({ rejected: 3, queued: [1, 2], max: 2 });
    expect(errors.filter((e) => e instanceof QueueOverflowError)).toHaveLength(2);
  });

  it("with overflow 'drop-oldest', every dropped message is reported on errors$", () => {
    const dropped: unknown[] = [];
    testScheduler().run(() => {
      const { client } = setup({ queue: { max: 1 } });
      client.errors$.subscribe((e) => e instanceof MessageDroppedError && dropped.push([e.dropped, e.reason]));
      client.send('a');
      client.send('b');
      client.send('c');
    });
    expect(dropped).toEqual([
      ['a', 'drop-oldest'],
      ['b', 'drop-oldest'],
    ]);
  });

  it('reports a frame that is not JSON on errors$ and keeps the connection and later messages', () => {
    const errors: unknown[] = [];
    let stats: ClientStats | undefined;
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup({ statsInterval: 5 });
      kit.script('-o-b-a', { b: '{"broken', a: { n: 1 } });
      client.errors$.subscribe((e) => errors.push(e));
      client.stats$.subscribe((s) => (stats = s));
      expectObservable(client.messages$.pipe(take(1))).toBe('-----(a|)', { a: { n: 1 } });
      expectSubscriptions(kit.socketLogs).toBe('^----!');
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DecodeError);
    expect((errors[0] as DecodeError).reason).toMatch(/invalid JSON/);
    expect((errors[0] as DecodeError).data).toBe('{"broken');
    // The welcome frame counts too.
    const welcome = JSON.stringify({ type: 'welcome', connection: 'fake', ping: 30_000 }).length;
    expect(stats).toMatchObject({ messagesIn: 3, decodeErrors: 1, bytesIn: welcome + 8 + 7 });
  });

  it('close() closes with 1000, completes every stream and never reconnects', () => {
    const log: string[] = [];
    const completed: string[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions, cold }) => {
      const { kit, client } = setup();
      kit.script('-o');
      client.state$.subscribe({ next: recordStates([], log), complete: () => completed.push('state$') });
      client.errors$.subscribe({ complete: () => completed.push('errors$') });
      client.stats$.subscribe({ complete: () => completed.push('stats$') });
      cold('---x').subscribe(() => client.close());
      expectObservable(client.messages$).toBe('---|');
      expectSubscriptions(kit.socketLogs).toBe('^--!');
      cold('-----x').subscribe(() => {
        expect(kit.sockets[0]!.clientCloseCode).toBe(1000);
        expect(() => client.send('late')).toThrow(/closed/);
      });
    });
    expect(log).toEqual(['0:closed', '0:connecting', '1:open', '3:closed']);
    expect(completed.sort()).toEqual(['errors$', 'state$', 'stats$']);
  });

  it('closes with 1000 when the last subscriber leaves and connects again for the next one', () => {
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-o');
      kit.script('-o');
      const first = client.messages$.subscribe();
      const second = client.messages$.subscribe();
      cold('--x').subscribe(() => first.unsubscribe());
      cold('----x').subscribe(() => second.unsubscribe());
      cold('------x').subscribe(() => client.messages$.pipe(take(1)).subscribe());
      expectSubscriptions(kit.socketLogs).toBe(['^---!', '------^']);
      cold('-----x').subscribe(() => expect(kit.sockets[0]!.clientCloseCode).toBe(1000));
    });
  });

  it('puts the token where auth.via says', () => {
    testScheduler().run(({ cold }) => {
      const viaProtocol = setup({ auth: { token: () => 'abc.def' } });
      viaProtocol.client.messages$.subscribe();
      const viaHeader = setup({ auth: { token: () => of('xyz'), via: 'header' } });
      viaHeader.client.messages$.subscribe();
      cold('-x').subscribe(() => {
        expect(viaProtocol.kit.sockets[0]!.protocols).toEqual(['rxwire', 'bearer.abc.def']);
        expect(viaProtocol.kit.sockets[0]!.url).toBe('ws://test/live');
        expect(viaHeader.kit.sockets[0]!.headers).toEqual({ Authorization: 'Bearer xyz' });
        expect(viaHeader.kit.sockets[0]!.protocols).toEqual([]);
        viaProtocol.client.close();
        viaHeader.client.close();
      });
    });
  });

  it("refuses auth.via 'header' with a WebSocket class that cannot send headers", () => {
    class BrowserLikeWebSocket {}
    expect(() =>
      createClient({
        url: 'ws://x',
        WebSocketCtor: BrowserLikeWebSocket as never,
        auth: { token: () => 't', via: 'header' },
      }),
    ).toThrow(InvalidOptionsError);
  });
});

describe('createClient url option', () => {
  it('calls a url function again before every attempt', () => {
    const seen: number[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const kit = createFakeWebSocket();
      kit.script('-#');
      kit.script('-o');
      const client = createClient({
        url: ({ attempt }) => (seen.push(attempt), `ws://server-${attempt % 2}/live`),
        WebSocketCtor: kit.WebSocketCtor,
        heartbeat: false,
        reconnect: { initialDelay: 4, jitter: 'none' },
      });
      client.messages$.pipe(take(1)).subscribe();
      expectSubscriptions(kit.socketLogs).toBe(['^!', '5ms ^']);
    });
    expect(seen).toEqual([0, 1]);
  });
});
