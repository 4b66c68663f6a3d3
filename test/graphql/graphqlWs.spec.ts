import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as t from 'io-ts';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { Client, ClientOptions, ConnectionState } from '../../src/client/types';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import { ConnectionClosedError, RemoteError, type ClientError } from '../../src/protocol/errors';
import { graphqlTransportWs } from '../../src/graphql';
import { waitFor } from '../support/wsServer';
import { GraphqlTestServer, type GraphqlServerOptions } from './server';

const tick = t.type({ n: t.number });
const api = defineProtocol({
  channels: {
    ticks: { params: t.type({ count: t.number }), message: t.type({ ticks: tick }) },
    notes: { params: t.type({ count: t.number }), message: t.type({ ticks: t.type({ n: t.number, note: t.union([t.string, t.null]) }) }) },
    live: { params: t.type({ topic: t.string }), message: t.type({ live: tick }) },
    broken: { params: t.type({}), message: t.type({ broken: t.number }) },
  },
  requests: {
    room: { request: t.type({ id: t.string }), response: t.type({ room: t.type({ name: t.string }) }) },
    outcome: { request: t.type({ fail: t.boolean }), response: t.type({ outcome: t.type({ ok: t.string, bad: t.null }) }) },
  },
});
type Api = typeof api;

const documents = {
  channels: {
    ticks: 'subscription Ticks($count: Int!) { ticks(count: $count) { n } }',
    notes: 'subscription Notes($count: Int!) { ticks(count: $count) { n note } }',
    live: 'subscription Live($topic: String!) { live(topic: $topic) { n } }',
    broken: 'subscription { broken }',
  },
  requests: {
    room: 'query Room($id: ID!) { room(id: $id) { name } }',
    outcome: 'query Outcome($fail: Boolean!) { outcome(fail: $fail) { ok bad } }',
  },
};

const servers: GraphqlTestServer[] = [];
const clients: Array<Client<Api>> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: GraphqlServerOptions = {}): Promise<GraphqlTestServer> {
  const s = await new GraphqlTestServer(options).start();
  servers.push(s);
  return s;
}

function client(s: GraphqlTestServer, options: Partial<ClientOptions<Api>> = {}): { c: Client<Api>; states: ConnectionState[]; errors: ClientError[] } {
  const c = createClient({
    url: s.url,
    WebSocketCtor: WebSocket,
    protocol: api,
    auth: { token: ({ attempt }) => `token-${attempt}`, via: 'handshake' },
    adapter: graphqlTransportWs<Api>({ documents }),
    reconnect: { initialDelay: 20, maxDelay: 50, online$: undefined },
    ...options,
  });
  clients.push(c);
  const states: ConnectionState[] = [];
  const errors: ClientError[] = [];
  c.state$.subscribe((state) => states.push(state));
  c.errors$.subscribe((error) => errors.push(error));
  return { c, states, errors };
}

const opens = (states: ConnectionState[]) => states.filter((s) => s.status === 'open').length;

describe('graphqlTransportWs against a real graphql-ws 6 server', () => {
  it('waits for connection_ack of an asynchronous onConnect: 20 connections in a row are all accepted, and each query is answered', async () => {
    const s = await server({ connectDelay: 20 });
    for (let i = 0; i < 20; i++) {
      const { c, states } = client(s);
      const reply = await firstValueFrom(c.request('room', { id: `room${i}` }));
      expect(reply).toEqual({ room: { name: `Room${i}` } });
      // Then closed again (not final): the lazy client lets go once the reply came.
      expect(states.map((state) => state.status).slice(0, 3)).toEqual(['closed', 'connecting', 'open']);
      c.close();
    }
    expect(s.verdicts).toEqual(Array.from({ length: 20 }, () => true));
    expect(s.inits).toEqual(Array.from({ length: 20 }, () => ({ token: 'token-0' })));
    await waitFor(() => s.closes.length === 20, 5000, 'the 20 closes');
    // Nothing was sent before connection_ack: graphql-ws would have closed with 4401.
    expect(s.closes.filter((code) => code !== 1000)).toEqual([]);
  });

  it('sends subscriptions, requests and queued messages only after connection_ack', async () => {
    const s = await server({ connectDelay: 30 });
    const { c } = client(s);
    const ticks = firstValueFrom(c.channel('ticks', { count: 2 }).pipe(toArray()));
    const room = firstValueFrom(c.request('room', { id: 'kitchen' }));
    expect(await room).toEqual({ room: { name: 'Kitchen' } });
    expect(await ticks).toEqual([{ ticks: { n: 1 } }, { ticks: { n: 2 } }]);
    expect(s.closes).toEqual([]);
  });

  it('completes a finite subscription when the server completes it', async () => {
    const s = await server();
    const { c, errors } = client(s);
    const all = await firstValueFrom(c.channel('ticks', { count: 3 }).pipe(toArray()));
    expect(all).toEqual([{ ticks: { n: 1 } }, { ticks: { n: 2 } }, { ticks: { n: 3 } }]);
    expect(errors).toEqual([]);
  });

  it('delivers data with resolver errors beside it and reports the errors on errors$', async () => {
    const s = await server();
    const { c, errors } = client(s);
    const all = await firstValueFrom(c.channel('notes', { count: 2 }).pipe(toArray()));
    expect(all).toEqual([{ ticks: { n: 1, note: 'tick 1' } }, { ticks: { n: 2, note: null } }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RemoteError);
    expect(errors[0]).toMatchObject({ request: 'notes', of: 'channel', code: 'GRAPHQL_ERROR', serverMessage: 'no note for 2' });
    // A query: the data is the reply, the error is on errors$.
    expect(await firstValueFrom(c.request('outcome', { fail: false }))).toEqual({ outcome: { ok: 'fine', bad: null } });
    expect(errors[1]).toMatchObject({ request: 'outcome', of: 'request', code: 'BAD_FIELD', serverMessage: 'bad field' });
  });

  it('fails a query whose errors come without data with a RemoteError carrying them', async () => {
    const s = await server();
    const { c } = client(s);
    const failure = await firstValueFrom(c.request('outcome', { fail: true })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'NO_OUTCOME', serverMessage: 'no outcome', data: [expect.objectContaining({ message: 'no outcome', path: ['outcome'] })] });
  });

  it('errors a subscription whose result has errors and no data with a RemoteError, and completes it on the server', async () => {
    const s = await server();
    const { c } = client(s);
    const failure = firstValueFrom(c.channel('broken', {})).catch((error: unknown) => error);
    await waitFor(() => s.live('broken') === 1, 5000, 'the subscription');
    s.publish('broken', 1);
    const error = await failure;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ request: 'broken', of: 'channel', code: 'UNAVAILABLE', serverMessage: 'sensor offline' });
    // The client sent `complete`: the server stopped the subscription.
    await waitFor(() => s.brokenEnded === 1, 5000, 'the server to end the subscription');
    expect(s.live('broken')).toBe(0);
  });

  it('answers the server\'s ping with pong, and its own heartbeat ping gets the server\'s pong', async () => {
    const s = await server();
    const { c } = client(s, { heartbeat: { interval: 50, timeout: 1000 }, statsInterval: 10 });
    c.connect();
    await waitFor(() => s.verdicts.length === 1, 5000, 'the connection');
    await firstValueFrom(c.state$.pipe(filter((state) => state.status === 'open')));
    s.pingClients();
    await waitFor(() => s.pongs === 1, 5000, 'the pong');
    const stats = await firstValueFrom(c.stats$.pipe(filter((x) => x.roundTripTime !== undefined)));
    expect(stats.roundTripTime).toBeGreaterThanOrEqual(0);
  });

  it('resubscribes every live subscription exactly once after a server restart', async () => {
    const s = await server({ connectDelay: 5 });
    const { c, states } = client(s);
    const a: unknown[] = [];
    const b: unknown[] = [];
    c.channel('live', { topic: 'a' }).subscribe((m) => a.push(m));
    c.channel('live', { topic: 'b' }).subscribe((m) => b.push(m));
    await waitFor(() => s.live('a') === 1 && s.live('b') === 1, 5000, 'both subscriptions');
    s.publish('a', 1);
    s.publish('b', 1);
    await waitFor(() => a.length === 1 && b.length === 1, 5000, 'the first messages');

    await s.stop();
    await s.start();
    await waitFor(() => opens(states) === 2, 5000, 'the reconnect');
    await waitFor(() => s.live('a') === 1 && s.live('b') === 1, 5000, 'the resubscribes');
    s.publish('a', 2);
    s.publish('b', 2);
    await waitFor(() => a.length === 2 && b.length === 2, 5000, 'the messages after the restart');
    expect(s.subscribes).toEqual(new Map([['a', 1], ['b', 1]]));
    expect(a).toEqual([{ live: { n: 1 } }, { live: { n: 2 } }]);
    expect(b).toEqual([{ live: { n: 1 } }, { live: { n: 2 } }]);
    // Ids are never reused on a connection, nor across them.
    expect(new Set(s.operationIds).size).toBe(s.operationIds.length);
  });

  it('takes a refused connection_init (onConnect false: 4403) as final, as the adapter\'s close policy says, and never shows open', async () => {
    const s = await server({ accept: () => false });
    const { c, states } = client(s, { reconnect: { initialDelay: 1, maxDelay: 1, online$: undefined } });
    const failure = await firstValueFrom(c.channel('live', { topic: 'a' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(failure).toMatchObject({ code: 4403, phase: 'connecting' });
    expect(states.map((state) => state.status)).toEqual(['closed', 'connecting', 'closed']);
    expect(states.at(-1)).toMatchObject({ status: 'closed', code: 4403, final: true });
    expect(s.verdicts).toEqual([false]);
  });

  it('takes a close code only graphql-ws uses (4400 bad request) as final too', async () => {
    const s = await server();
    const { c, states } = client(s, {
      reconnect: { initialDelay: 1, maxDelay: 1, online$: undefined },
      // A frame graphql-ws cannot read: a subscribe without a query.
      adapter: { ...graphqlTransportWs<Api>({ documents }), subscribe: ({ id }) => ({ id, type: 'subscribe', payload: {} }) },
    });
    const failure = await firstValueFrom(c.channel('live', { topic: 'a' }).pipe(take(1))).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 4400 });
    expect(states.at(-1)).toMatchObject({ status: 'closed', code: 4400, final: true });
    expect(s.verdicts).toEqual([true]);
  });
});
