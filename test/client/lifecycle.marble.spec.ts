import { describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import * as t from 'io-ts';
import { createClient } from '../../src/client/createClient';
import type { ClientOptions, ConnectionState } from '../../src/client/types';
import { createFakeWebSocket, closeWith } from '../../src/testing';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import { ConnectTimeoutError, ConnectionClosedError, HeartbeatTimeoutError } from '../../src/protocol/errors';
import { testScheduler, recordStates } from '../support/marbles';

const WELCOME = { type: 'welcome', connection: '7', ping: 30_000 };
const echo = defineProtocol({ requests: { echo: { request: t.type({ text: t.string }), response: t.type({ text: t.string }) } } });

function setup(options: Partial<ClientOptions<typeof echo>> = {}) {
  const kit = createFakeWebSocket();
  const client = createClient({
    url: 'ws://test/live',
    WebSocketCtor: kit.WebSocketCtor,
    protocol: echo,
    heartbeat: false,
    reconnect: { jitter: 'none', initialDelay: 10 },
    ...options,
  });
  return { kit, client };
}

const record = recordStates;

describe('the connection lifecycle in virtual time: accepted means open', () => {
  it('stays connecting after the socket opens and is open only at the acceptance frame; queued sends and a start-up request go out after it', () => {
    const log: string[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-O---w', { w: WELCOME });
      client.state$.subscribe(record(log));
      client.send({ hello: 1 }); // queued while not open
      client.request('echo', { text: 'hi' }).subscribe({ error: () => undefined });
      // Nothing is written before frame 5, when the welcome arrives: then requests, then the queue.
      expectObservable(kit.sent$(0)).toBe('-----(rq)', { q: { hello: 1 }, r: { type: 'req', id: 'r1', name: 'echo', payload: { text: 'hi' } } });
    });
    expect(log.slice(0, 3)).toEqual(['0:closed:1000', '0:connecting', '5:open']);
  });

  it('never shows open for a connection refused after the upgrade, and sends nothing into it', () => {
    const log: string[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-O-u', { u: closeWith(4403, 'forbidden') });
      client.state$.subscribe(record(log));
      client.send({ queued: true });
      client.messages$.subscribe({ error: () => undefined });
      expectObservable(kit.sent$(0)).toBe('');
      expectSubscriptions(kit.socketLogs).toBe('^--!');
    });
    expect(log).toEqual(['0:closed:1000', '0:connecting', '3:closed:4403']);
  });

  it('gives connecting its own deadline: a handshake slower than interval + timeout still opens, one past connectTimeout fails and is retried', () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup({ heartbeat: { interval: 10, timeout: 5 }, connectTimeout: 30 });
      kit.script('O 24ms w', { w: WELCOME }); // accepted at 25, past interval + timeout (15)
      client.errors$.subscribe((e) => errors.push(e));
      client.state$.subscribe(record(log));
      client.messages$.subscribe({ error: () => undefined });
      // Open at 25; the heartbeat starts then, so the silent server is caught at 25 + 15.
      expectSubscriptions(kit.socketLogs).toBe(['^ 39ms !', '50ms ^ 9ms !']);
      asyncScheduler.schedule(() => client.close(), 60);
    });
    expect(log.slice(0, 3)).toEqual(['0:closed:1000', '0:connecting', '25:open']);
    expect(errors).toEqual([new HeartbeatTimeoutError(15)]);
  });

  it('abandons an attempt not accepted within connectTimeout with ConnectTimeoutError, and retries it', () => {
    const errors: unknown[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup({ connectTimeout: 20 });
      kit.script('O'); // opens, never accepts
      kit.script('o');
      client.errors$.subscribe((e) => errors.push(e));
      client.messages$.subscribe({ error: () => undefined });
      // The first socket is cut at 20; the retry waits 10 (initialDelay, no jitter).
      expectSubscriptions(kit.socketLogs).toBe(['^ 19ms !', '30ms ^ 19ms !']);
      asyncScheduler.schedule(() => client.close(), 50);
    });
    expect(errors).toEqual([new ConnectTimeoutError(20)]);
  });

  it('by default waits 20 s for acceptance (a storm queued at the server): a welcome after 15 s still opens, none by 20 s is abandoned', () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup(); // connectTimeout left at its default
      kit.script('O 14999ms w 999ms x', { w: WELCOME, x: closeWith(1001, 'going away') }); // accepted at 15 s (past the old 10 s default), dropped at 16 s
      kit.script('O'); // the next connection opens and is never accepted
      client.errors$.subscribe((e) => errors.push(e));
      client.state$.subscribe(record(log));
      client.messages$.subscribe({ error: () => undefined });
      // The retry waits 10 ms (initialDelay, no jitter), then 20 s for an acceptance that never comes.
      expectSubscriptions(kit.socketLogs).toBe(['^ 15999ms !', '16010ms ^ 19999ms !']);
      asyncScheduler.schedule(() => client.close(), 36_020); // before the next retry (20 ms later)
    });
    expect(log.slice(0, 3)).toEqual(['0:closed:1000', '0:connecting', '15000:open']);
    expect(errors.filter((e) => e instanceof ConnectTimeoutError)).toEqual([new ConnectTimeoutError(20_000)]);
  });

  it('retries a 1013 ("try again later", authenticate failed) with backoff, like any drop', () => {
    const errors: ConnectionClosedError[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-O-u', { u: closeWith(1013, 'try again later') });
      kit.script('-o');
      client.errors$.subscribe((e) => errors.push(e as ConnectionClosedError));
      client.messages$.subscribe({ error: () => undefined });
      expectSubscriptions(kit.socketLogs).toBe(['^--!', '-------------^ 16ms !']);
      asyncScheduler.schedule(() => client.close(), 30);
    });
    expect(errors.map((e) => [e.code, e.phase])).toEqual([[1013, 'connecting']]);
  });

  it('after 4401 → fresh token → accepted, a later 4401 (an expired token) is retried again with a fresh token', () => {
    const calls: boolean[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      let n = 0;
      const { kit, client } = setup({ auth: { via: 'query', token: (ctx) => (calls.push(ctx.refresh), `t${++n}`) } });
      kit.script('-O-u', { u: closeWith(4401) }); // refused: stale token
      kit.script('-o---u', { u: closeWith(4401) }); // accepted, then the token expires
      kit.script('-o'); // accepted again with a fresh token
      client.messages$.subscribe({ error: () => undefined });
      expectSubscriptions(kit.socketLogs).toBe(['^--!', '---^----!', '--------^ 11ms !']);
      asyncScheduler.schedule(() => client.close(), 20);
    });
    expect(calls).toEqual([false, true, true]);
  });

  it('honours fatalCodes from the user for every code, 4401 included', () => {
    const log: string[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup({ reconnect: { fatalCodes: [4401] } });
      kit.script('-O-u', { u: closeWith(4401) });
      client.state$.subscribe(record(log));
      client.messages$.subscribe({ error: () => undefined });
      expectSubscriptions(kit.socketLogs).toBe(['^--!']);
    });
    expect(log.at(-1)).toBe('3:closed:4401');
  });

  it("fails at once with InvalidOptionsError and the browser's text when the WebSocket constructor throws a DOMException SyntaxError (a token that is not a valid subprotocol)", () => {
    const log: string[] = [];
    let final: ConnectionState | undefined;
    testScheduler().run(() => {
      // What Chromium throws for a subprotocol with '/', '+' or '=' in it.
      class BrowserLikeWebSocket {
        constructor() {
          throw new DOMException("Failed to construct 'WebSocket': The subprotocol 'bearer.a/b+c=' is invalid.", 'SyntaxError');
        }
      }
      const client = createClient({ url: 'ws://test/live', WebSocketCtor: BrowserLikeWebSocket as never, protocol: echo, auth: { token: () => 'a/b+c=' } });
      client.state$.subscribe((s) => {
        record(log)(s);
        final = s;
      });
      client.messages$.subscribe({ error: () => undefined });
    });
    expect(log).toEqual(['0:closed:1000', '0:connecting', '0:closed:1006']);
    expect(final).toMatchObject({ status: 'closed', final: true });
    const error = (final as { error?: Error }).error!;
    expect(error.name).toBe('InvalidOptionsError');
    expect(error.message).toContain('subprotocol');
  });
});
