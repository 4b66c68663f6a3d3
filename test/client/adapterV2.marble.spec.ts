import { describe, expect, it } from 'vitest';
import { asyncScheduler, take } from 'rxjs';
import * as t from 'io-ts';
import { createClient } from '../../src/client/createClient';
import type { ClientOptions } from '../../src/client/types';
import { createFakeWebSocket, closeWith } from '../../src/testing';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import type { Inbound, WireAdapter, WireClose, WireContext } from '../../src/protocol/adapter';
import { jsonEnvelope } from '../../src/protocol/jsonEnvelope';
import { ConnectionClosedError, InvalidOptionsError, RemoteError, RequestTimeoutError, SubscriptionError, type ClientError } from '../../src/protocol/errors';
import { graphqlTransportWs } from '../../src/graphql';
import { testScheduler, recordStates } from '../support/marbles';

const api = defineProtocol({
  channels: { ticks: { params: t.type({ count: t.number }), message: t.type({ ticks: t.type({ n: t.number }) }) } },
  requests: { room: { request: t.type({ id: t.string }), response: t.type({ room: t.type({ name: t.string }) }) } },
});
const TICKS = 'subscription ($count: Int!) { ticks(count: $count) { n } }';
const ROOM = 'query ($id: ID!) { room(id: $id) { name } }';
const documents = { channels: { ticks: TICKS }, requests: { room: ROOM } };

const ACK = { type: 'connection_ack' };
const INIT = { type: 'connection_init', payload: { token: 't0' } };
const sub = (id: string, count: number) => ({ id, type: 'subscribe', payload: { query: TICKS, variables: { count } } });
const req = (id: string, roomId: string) => ({ id, type: 'subscribe', payload: { query: ROOM, variables: { id: roomId } } });
const next = (id: string, payload: unknown) => ({ id, type: 'next', payload });
const complete = (id: string) => ({ id, type: 'complete' });

function setup(options: Partial<ClientOptions<typeof api>> = {}) {
  const kit = createFakeWebSocket();
  const client = createClient({
    url: 'ws://test/graphql',
    WebSocketCtor: kit.WebSocketCtor,
    protocol: api,
    auth: { token: ({ attempt }) => `t${attempt}`, via: 'handshake' },
    adapter: graphqlTransportWs<typeof api>({ documents }),
    heartbeat: false,
    reconnect: { jitter: 'none', initialDelay: 10 },
    ...options,
  });
  return { kit, client };
}

const record = recordStates;

describe('WireAdapter v2: the handshake (graphql-transport-ws on the fake WebSocket)', () => {
  it('sends connection_init alone when the socket opens, and subscriptions, requests and queued sends only after connection_ack; open only then', () => {
    const log: string[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-O---a', { a: ACK });
      client.state$.subscribe(record(log));
      client.channel('ticks', { count: 2 }).subscribe();
      client.request('room', { id: 'kitchen' }).subscribe({ error: () => undefined });
      client.send({ type: 'custom' });
      // The request took its id when it was made (r1); the channel when it was subscribed on the wire (2).
      expectObservable(kit.sent$(0)).toBe('-h---(srq)', { h: INIT, s: sub('2', 2), r: req('r1', 'kitchen'), q: { type: 'custom' } });
      expectSubscriptions(kit.socketLogs).toBe('^-------!');
      asyncScheduler.schedule(() => client.close(), 8);
    });
    expect(log.slice(0, 3)).toEqual(['0:closed:1000', '0:connecting', '5:open']);
  });

  it('offers the adapter\'s subprotocol and never puts a handshake token on the upgrade', () => {
    testScheduler().run(() => {
      const { kit, client } = setup();
      kit.script('-Oa', { a: ACK });
      client.connect();
      asyncScheduler.schedule(() => {
        expect(kit.sockets[0]!.protocols).toEqual(['graphql-transport-ws']);
        expect(kit.sockets[0]!.url).toBe('ws://test/graphql');
        client.close();
      }, 3);
    });
  });

  it('answers a ping before and after acceptance with a pong (a protocol-level reply), and the ping is not an error', () => {
    const errors: ClientError[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Op-a-p', { p: { type: 'ping' }, a: ACK });
      client.errors$.subscribe((e) => errors.push(e));
      client.connect();
      expectObservable(kit.sent$(0)).toBe('-hP---P', { h: INIT, P: { type: 'pong' } });
      asyncScheduler.schedule(() => client.close(), 9);
    });
    expect(errors).toEqual([]);
  });

  it('ignores a request\'s complete after its reply (no decode error), and completes a channel on the server\'s complete without sending anything back', () => {
    const errors: ClientError[] = [];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Oa-rcn-m', {
        a: ACK,
        r: next('r1', { data: { room: { name: 'Kitchen' } } }),
        c: complete('r1'),
        n: next('2', { data: { ticks: { n: 1 } } }),
        m: complete('2'),
      });
      client.errors$.subscribe((e) => errors.push(e));
      expectObservable(client.channel('ticks', { count: 1 })).toBe('------n-|', { n: { ticks: { n: 1 } } });
      expectObservable(client.request('room', { id: 'kitchen' })).toBe('----(r|)', { r: { room: { name: 'Kitchen' } } });
      // Only the handshake and the two subscribes: no `complete` for a channel the server completed.
      expectObservable(kit.sent$(0)).toBe('-h(sr)', { h: INIT, s: sub('2', 1), r: req('r1', 'kitchen') });
    });
    expect(errors).toEqual([]);
  });

  it('errors a channel with a RemoteError on a result with errors and no data, and sends complete so the server stops', () => {
    const errors = [{ message: 'sensor offline', extensions: { code: 'UNAVAILABLE' } }];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Oa-e', { a: ACK, e: next('1', { data: null, errors }) });
      expectObservable(client.channel('ticks', { count: 5 })).toBe('----#', undefined, new RemoteError('ticks', 'UNAVAILABLE', 'sensor offline', errors, 'channel'));
      expectObservable(kit.sent$(0)).toBe('-hs-c', { h: INIT, s: sub('1', 5), c: complete('1') });
    });
  });

  it('delivers the data of a result with errors and data, and reports the errors on errors$', () => {
    const found: ClientError[] = [];
    const graphqlErrors = [{ message: 'note unavailable', path: ['ticks', 'note'] }];
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Oa-p', { a: ACK, p: next('1', { data: { ticks: { n: 4 } }, errors: graphqlErrors }) });
      client.errors$.subscribe((e) => found.push(e));
      expectObservable(client.channel('ticks', { count: 5 })).toBe('----p', { p: { ticks: { n: 4 } } });
    });
    expect(found).toEqual([new RemoteError('ticks', 'GRAPHQL_ERROR', 'note unavailable', graphqlErrors, 'channel')]);
  });

  it('errors a channel the server refuses with an error message with a SubscriptionError, and sends nothing back', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Oa-e', { a: ACK, e: { id: '1', type: 'error', payload: [{ message: 'Cannot query field "tick"' }] } });
      expectObservable(client.channel('ticks', { count: 5 })).toBe('----#', undefined, new SubscriptionError('ticks', { count: 5 }, 'GRAPHQL_ERROR', 'Cannot query field "tick"'));
      expectObservable(kit.sent$(0)).toBe('-hs', { h: INIT, s: sub('1', 5) });
    });
  });

  it('cancels a request that times out after it was sent with complete', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup();
      kit.script('-Oa', { a: ACK });
      expectObservable(client.request('room', { id: 'attic' }, { timeout: 5 })).toBe('-----#', undefined, new RequestTimeoutError('room', 5));
      expectObservable(kit.sent$(0)).toBe('-hr--c', { h: INIT, r: req('r1', 'attic'), c: complete('r1') });
    });
  });

  it('builds a request frame when it is sent, not when request() is called, and never sends it twice', () => {
    const built: string[] = [];
    testScheduler().run(({ expectObservable }) => {
      const base = graphqlTransportWs<typeof api>({ documents });
      const adapter: WireAdapter = {
        ...base,
        request: (request) => {
          built.push(`${asyncScheduler.now()}:${request.id}`);
          return base.request!(request);
        },
      };
      const { kit, client } = setup({ adapter });
      kit.script('-O---a-#', { a: ACK });
      kit.script('-O-a', { a: ACK });
      expectObservable(client.request('room', { id: 'hall' })).toBe('-------#', undefined, new ConnectionClosedError(1006, 'the connection closed before the reply to "room"'));
    });
    expect(built).toEqual(['5:r1']);
  });

  it('gives the handshake the token of each attempt, fetched afresh after a 4401', () => {
    const contexts: WireContext[] = [];
    testScheduler().run(({ expectObservable }) => {
      const base = graphqlTransportWs<typeof api>({ documents });
      const adapter: WireAdapter = {
        ...base,
        hello: (context) => {
          contexts.push(context);
          return base.hello!(context);
        },
      };
      const { kit, client } = setup({ adapter });
      kit.script('-O-x', { x: closeWith(4401, 'Unauthorized') });
      kit.script('-Oa', { a: ACK });
      client.connect();
      expectObservable(kit.sent$(1)).toBe('3ms -h', { h: { type: 'connection_init', payload: { token: 't1' } } });
      asyncScheduler.schedule(() => client.close(), 10);
    });
    expect(contexts).toEqual([
      { attempt: 0, refresh: false, token: 't0' },
      { attempt: 1, refresh: true, token: 't1' },
    ]);
  });

  it('does not retry a close code the adapter declares fatal (graphql-ws 4409, 4429, 4500, ...)', () => {
    const log: string[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const { kit, client } = setup();
      kit.script('-Oa-x', { a: ACK, x: closeWith(4500, 'Internal server error') });
      client.state$.subscribe(record(log));
      client.messages$.subscribe({ error: () => undefined });
      expectSubscriptions(kit.socketLogs).toBe('^---!');
    });
    expect(log).toEqual(['0:closed:1000', '0:connecting', '2:open', '4:closed:4500']);
  });
});

describe('WireAdapter v2: an adapter that cannot make a frame', () => {
  it('fails the channel or request with no GraphQL document alone, when the connection is acknowledged; the others go on', () => {
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup({
        adapter: graphqlTransportWs<typeof api>({ documents: { channels: { ticks: TICKS } as never, requests: {} as never } }),
      });
      kit.script('-Oa--n', { a: ACK, n: next('2', { data: { ticks: { n: 1 } } }) });
      const missing = new InvalidOptionsError('graphqlTransportWs: no GraphQL document for request "room"');
      expectObservable(client.request('room', { id: 'attic' })).toBe('--#', undefined, missing);
      expectObservable(client.channel('ticks', { count: 1 }).pipe(take(1))).toBe('-----(n|)', { n: { ticks: { n: 1 } } });
      expectObservable(kit.sent$(0)).toBe('-hs--c', { h: INIT, s: sub('2', 1), c: complete('2') });
    });
  });

  it('never shows open when the only channel fails at acceptance, and lets the connection go', () => {
    const log: string[] = [];
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const { kit, client } = setup({ adapter: graphqlTransportWs<typeof api>({ documents: { channels: {} as never, requests: {} as never } }) });
      kit.script('-Oa', { a: ACK });
      client.state$.subscribe(record(log));
      expectObservable(client.channel('ticks', { count: 1 })).toBe('--#', undefined, new InvalidOptionsError('graphqlTransportWs: no GraphQL document for channel "ticks"'));
      expectSubscriptions(kit.socketLogs).toBe('^-!');
    });
    expect(log).toEqual(['0:closed:1000', '0:connecting', '2:closed:1000']);
  });
});

describe('WireAdapter v2: one decode per frame, and the closed hook', () => {
  function counting(base: WireAdapter, decoded: unknown[], closes: WireClose[]): WireAdapter {
    return {
      ...base,
      decode(frame, ids): Inbound {
        decoded.push(frame);
        return base.decode(frame, ids);
      },
      closed: (close) => closes.push(close),
    };
  }

  it('decodes every frame once, the heartbeat\'s pong included, and tells the adapter of each close', () => {
    const decoded: unknown[] = [];
    const closes: WireClose[] = [];
    let rtt: number | undefined;
    testScheduler().run(({ expectObservable }) => {
      const { kit, client } = setup({
        adapter: { ...counting(jsonEnvelope(), decoded, closes) },
        auth: undefined,
        heartbeat: { interval: 5, timeout: 5 },
        statsInterval: 1,
      });
      kit.script('-o---a-P--#', { a: { type: 'event', name: 'x', data: 1 }, P: { type: 'pong' } });
      kit.script('-o');
      client.stats$.subscribe((s) => (rtt = s.roundTripTime));
      expectObservable(kit.sent$(0)).toBe('------p', { p: { type: 'ping' } });
      asyncScheduler.schedule(() => client.close(), 30);
      client.connect();
    });
    // welcome, the event, the pong; then the second connection's welcome.
    expect(decoded.map((frame) => (frame as { type: string }).type)).toEqual(['welcome', 'event', 'pong', 'welcome']);
    expect(rtt).toBe(1);
    expect(closes).toEqual([
      { code: 1006, reason: '', accepted: true },
      { code: 1000, reason: 'closed by the client', accepted: true },
    ]);
  });
});
