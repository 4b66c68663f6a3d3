import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { firstValueFrom, of, take, toArray } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { Client, ClientOptions } from '../../src/client/types';
import { RemoteError, SubscriptionError, ValidationError } from '../../src/protocol/errors';
import { createServer, ForbiddenError, memoryBroker, RequestError } from '../../src/server';
import type { Broker, BrokerMessage, Loss, Server, ServerOptions } from '../../src/server';
import type { GapNotice } from '../../src/client/types';
import { smartHome } from '../support/smartHome';
import { waitFor } from '../support/wsServer';
import { RawPeer } from './support';

type Home = typeof smartHome;
const servers: Array<Server<Home, any>> = [];
const clients: Array<Client<Home>> = [];
const peers: RawPeer[] = [];

async function start(options: Partial<ServerOptions<Home, any>> = {}): Promise<Server<Home, any>> {
  const server = await createServer<Home, any>({ protocol: smartHome, port: 0, ...options });
  servers.push(server);
  return server;
}
const url = (server: Server<Home, any>) => `ws://127.0.0.1:${server.port}`;
function client(server: Server<Home, any>, options: Partial<ClientOptions<Home>> = {}): Client<Home> {
  const c = createClient({ url: url(server), WebSocketCtor: WebSocket as never, protocol: smartHome, reconnect: { initialDelay: 20, maxDelay: 100 }, ...options });
  clients.push(c);
  return c;
}
function peer(server: Server<Home, any>, options?: WebSocket.ClientOptions, protocols?: string[], query = ''): RawPeer {
  const p = new RawPeer(`${url(server)}${query}`, options, protocols);
  peers.push(p);
  return p;
}
const oven = (temperature: number) => ({ id: 'oven-1', temperature });

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of peers.splice(0)) p.terminate();
  for (const s of servers.splice(0)) await s.close();
});

describe('createServer with the client', () => {
  it('delivers what is published to the subscribers of that channel and params only', async () => {
    const server = await start();
    const c = client(server);
    const ovenUpdates = firstValueFrom(c.channel('device', { id: 'oven-1' }).pipe(take(2), toArray()));
    const fridge: unknown[] = [];
    c.channel('device', { id: 'fridge' }).subscribe((m) => fridge.push(m));
    await acked(c, 2);
    const first = await server.publish('device', { id: 'oven-1' }, oven(100));
    expect(first.offset).toBe(1);
    expect(await server.publish('device', { id: 'oven-1' }, oven(110))).toEqual({ epoch: first.epoch, offset: 2 });
    expect(await ovenUpdates).toEqual([oven(100), oven(110)]);
    expect(fridge).toEqual([]);
  });

  it('validates what is published', async () => {
    const server = await start();
    await expect(server.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 'hot' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(server.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 'hot' } as never)).rejects.toThrow(/temperature: expected number/);
  });

  it('answers requests, with typed errors for RequestError and a bare INTERNAL for anything else', async () => {
    const server = await start();
    server.handle('setTarget', ({ target }) => {
      if (target > 250) throw new RequestError('OUT_OF_RANGE', 'too hot', { max: 250 });
      if (target < 0) throw new Error('database password is hunter2');
      if (target === 42) return of({ ok: true, target }, { ok: false, target }); // the first value is the reply
      return Promise.resolve({ ok: true, target });
    });
    const c = client(server);
    expect(await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 180 }))).toEqual({ ok: true, target: 180 });
    expect(await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 42 }))).toEqual({ ok: true, target: 42 });
    const tooHot = await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 900 })).catch((e) => e);
    expect(tooHot).toBeInstanceOf(RemoteError);
    expect(tooHot).toMatchObject({ code: 'OUT_OF_RANGE', serverMessage: 'too hot', data: { max: 250 } });
    const broken = await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: -1 })).catch((e) => e);
    expect(broken).toMatchObject({ code: 'INTERNAL' });
    expect(String(broken.serverMessage)).not.toContain('hunter2');
  });

  it('sends events to everyone or to the connections selected', async () => {
    const server = await start({ authenticate: ({ token }) => token });
    const alice = client(server, { auth: { token: () => 'alice' } });
    const bob = client(server, { auth: { token: () => 'bob' } });
    const toAlice = firstValueFrom(alice.event('alert').pipe(take(2), toArray()));
    const toBob = firstValueFrom(bob.event('alert').pipe(take(1), toArray()));
    await waitFor(() => statsOf(server).connections === 2, 5000, 'both connections');
    server.emit('alert', { device: 'fridge', message: 'door open' }, (c) => c.principal === 'alice');
    server.emit('alert', { device: 'oven', message: 'preheated' });
    expect(await toAlice).toEqual([
      { device: 'fridge', message: 'door open' },
      { device: 'oven', message: 'preheated' },
    ]);
    expect(await toBob).toEqual([{ device: 'oven', message: 'preheated' }]);
  });

  it('refuses one forbidden subscription with SubscriptionError and serves the rest', async () => {
    const server = await start({
      authenticate: ({ token }) => ({ user: token, devices: ['oven-1'] }),
      authorize: (user, _channel, params) => user.devices.includes((params as { id: string }).id),
    });
    const c = client(server, { auth: { token: () => 'alice' } });
    const refused = firstValueFrom(c.channel('device', { id: 'neighbours-oven' })).catch((e) => e);
    const allowed = firstValueFrom(c.channel('device', { id: 'oven-1' }));
    expect(await refused).toBeInstanceOf(SubscriptionError);
    expect(await refused).toMatchObject({ code: 'FORBIDDEN' });
    await acked(c, 2);
    await server.publish('device', { id: 'oven-1' }, oven(1));
    await server.publish('device', { id: 'neighbours-oven' }, { id: 'neighbours-oven', temperature: 2 });
    expect(await allowed).toEqual(oven(1));
  });

  it('recovers exactly what a client missed while it was away, then a gap once history is exceeded', async () => {
    const server = await start({ broker: memoryBroker({ historySize: 5, epoch: () => 'E1' }) });
    const net = capturing();
    // While "away", every reconnect attempt goes to a closed port.
    let away = false;
    const c = client(server, { WebSocketCtor: net.Ctor, url: () => (away ? 'ws://127.0.0.1:1' : url(server)) });
    const seen: number[] = [];
    const gaps: unknown[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    await acked(c, 1);
    for (let i = 1; i <= 3; i++) await server.publish('device', { id: 'oven-1' }, oven(i));
    await waitFor(() => seen.length === 3, 5000, 'three messages');

    const awayFor = async (publish: number[]) => {
      away = true;
      net.dropLast(); // as a network failure would
      await waitFor(() => statsOf(server).connections === 0, 5000, 'the server to see the drop');
      for (const i of publish) await server.publish('device', { id: 'oven-1' }, oven(i));
      away = false;
    };
    await awayFor([4, 5, 6]);
    await waitFor(() => seen.length === 6, 5000, 'the three missed');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gaps).toEqual([]);

    await awayFor([7, 8, 9, 10, 11, 12, 13, 14, 15]);
    await waitFor(() => seen.length === 11, 5000, 'what history still holds');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15]);
    expect(gaps).toEqual([{ channel: 'device', params: { id: 'oven-1' }, epoch: 'E1', from: 7, to: 10, lost: 4 }]);
  });

  it('tells a live subscriber of an epoch change on its first message, and of each loss the broker reports once', async () => {
    const broker = scriptedBroker();
    const server = await start({ broker });
    const c = client(server);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    const p = await peer(server).opened();
    p.send({ type: 'sub', id: 'raw', channel: 'device', params: { id: 'oven-1' } });
    await waitFor(() => statsOf(server).subscriptions === 2, 5000, 'both subscriptions');
    await server.publish('device', { id: 'oven-1' }, oven(1)); // E1:1
    const at = (epoch: string, offset: number, temperature: number): BrokerMessage => ({ epoch, offset, data: oven(temperature) });
    broker.deliver(at('E2', 1, 2)); // the stream started over (its keys expired), nothing lost to a live listener
    broker.deliver(at('E2', 2, 3));
    broker.lose({ epoch: 'E3' }); // the broker's link came back after the history was lost
    broker.deliver(at('E3', 1, 4));
    broker.deliver(at('E3', 4, 5)); // a hole nobody announced: still reported
    broker.lose({ epoch: 'E3', from: 2, to: 3, count: 2 }); // told late: already reported, not again
    await waitFor(() => seen.length === 5 && p.frames.filter((f) => f.type === 'msg').length === 5, 5000, 'every message');
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(gaps).toEqual([
      { channel: 'device', params: { id: 'oven-1' }, epoch: 'E3' },
      { channel: 'device', params: { id: 'oven-1' }, epoch: 'E3', from: 2, to: 3, lost: 2 },
    ]);
    expect(p.frames.filter((f) => f.type === 'msg' || f.type === 'gap')).toEqual([
      { type: 'msg', id: 'raw', offset: 1, data: oven(1) },
      { type: 'msg', id: 'raw', epoch: 'E2', offset: 1, data: oven(2) },
      { type: 'msg', id: 'raw', offset: 2, data: oven(3) },
      { type: 'gap', id: 'raw', epoch: 'E3' },
      { type: 'msg', id: 'raw', offset: 1, data: oven(4) },
      { type: 'gap', id: 'raw', epoch: 'E3', from: 2, to: 3, lost: 2 },
      { type: 'msg', id: 'raw', offset: 4, data: oven(5) },
    ]);
  });

  it('gives params with keys their codec does not declare the same stream as without them', async () => {
    const server = await start({ presence: () => 'someone' });
    const p = await peer(server).opened();
    p.send({ type: 'sub', id: 'x', channel: 'device', params: { id: 'oven-1', colour: 'red' } });
    p.send({ type: 'sub', id: 'y', channel: 'device', params: { nested: { a: 1 }, id: 'oven-1' } });
    await waitFor(() => p.frames.filter((f) => f.type === 'subscribed').length === 2);
    const [x, y] = p.frames.filter((f) => f.type === 'subscribed');
    expect(y.epoch).toBe(x.epoch); // one stream: one epoch
    await server.publish('device', { id: 'oven-1' }, oven(1));
    await waitFor(() => p.frames.filter((f) => f.type === 'msg').length === 2);
    expect(p.frames.filter((f) => f.type === 'msg')).toEqual([
      { type: 'msg', id: 'x', offset: 1, data: oven(1) },
      { type: 'msg', id: 'y', offset: 1, data: oven(1) },
    ]);
    // Presence is per connection, under the stream without the extra keys.
    expect(await server.presence('device', { id: 'oven-1' })).toEqual([{ connection: expect.any(String), info: 'someone' }]);
  });

  it('refuses a since that is not a position, or is beyond the stream in its epoch, with INVALID_SINCE', async () => {
    const server = await start();
    await server.publish('device', { id: 'oven-1' }, oven(1));
    const p = await peer(server).opened();
    p.send({ type: 'sub', id: 'a', channel: 'device', params: { id: 'oven-1' } });
    await waitFor(() => p.frames.some((f) => f.id === 'a'));
    const { epoch } = p.frames.find((f) => f.id === 'a');
    const bad: unknown[] = [5, { epoch, offset: -1 }, { epoch, offset: 1.5 }, { epoch: '', offset: 0 }, { epoch: 'x'.repeat(65), offset: 0 }, { offset: 1 }, { epoch, offset: 2 }];
    bad.forEach((since, i) => p.send({ type: 'sub', id: `b${i}`, channel: 'device', params: { id: 'oven-1' }, since }));
    p.send({ type: 'sub', id: 'ok', channel: 'device', params: { id: 'oven-1' }, since: { epoch, offset: 1 } });
    await waitFor(() => p.frames.some((f) => f.id === 'ok'));
    expect(bad.map((_, i) => p.frames.find((f) => f.id === `b${i}`)?.code)).toEqual(bad.map(() => 'INVALID_SINCE'));
    expect(p.frames.find((f) => f.id === 'ok')).toEqual({ type: 'subscribed', id: 'ok', epoch, offset: 1 });
  });

  it('attaches to an existing http.Server on a path and leaves other paths and plain HTTP alone', async () => {
    const http = createHttpServer((_req, res) => res.end('hello from the app'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    try {
      const server = await createServer({ protocol: smartHome, server: http, path: '/live' });
      servers.push(server);
      expect(server.port).toBe(port);
      const c = createClient({ url: `ws://127.0.0.1:${port}/live`, WebSocketCtor: WebSocket as never, protocol: smartHome });
      clients.push(c);
      const update = firstValueFrom(c.channel('device', { id: 'oven-1' }));
      await acked(c, 1);
      await server.publish('device', { id: 'oven-1' }, oven(5));
      expect(await update).toEqual(oven(5));
      const elsewhere = new RawPeer(`ws://127.0.0.1:${port}/other`);
      peers.push(elsewhere);
      const status = await new Promise<number>((resolve) => elsewhere.socket.on('unexpected-response', (_q, r) => resolve(r.statusCode!)));
      expect(status).toBe(404);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello from the app');
    } finally {
      for (const s of servers.splice(0)) await s.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('knows who is subscribed to a channel when presence is on', async () => {
    const server = await start({ authenticate: ({ token }) => ({ name: token }), presence: (user) => ({ name: user.name }) });
    const alice = client(server, { auth: { token: () => 'alice' } });
    const bob = client(server, { auth: { token: () => 'bob' } });
    alice.channel('device', { id: 'oven-1' }).subscribe();
    const bobs = bob.channel('device', { id: 'oven-1' }).subscribe();
    bob.channel('device', { id: 'fridge' }).subscribe();
    const names = async () => (await server.presence('device', { id: 'oven-1' })).map((m) => (m.info as { name: string }).name).sort();
    await waitFor(() => statsOf(server).subscriptions === 3, 5000, 'three subscriptions');
    await waitFor(async () => (await names()).length === 2, 5000, 'two present');
    expect(await names()).toEqual(['alice', 'bob']);
    bobs.unsubscribe();
    await waitFor(async () => (await names()).length === 1, 5000, 'one present');
    expect(await names()).toEqual(['alice']);
    expect((await server.presence('device', { id: 'fridge' })).map((m) => m.info)).toEqual([{ name: 'bob' }]);
  });

  it('handles frames in order: a request sent after a subscribe cannot overtake it, however slow authorize is', async () => {
    let seen: unknown;
    const server = await start({ authorize: () => new Promise((resolve) => setTimeout(() => resolve(true), 50)) });
    server.handle('setTarget', async ({ id, target }, { connection }) => {
      seen = connection;
      await server.publish('device', { id }, { id, temperature: target });
      return { ok: true, target };
    });
    const p = await peer(server).opened();
    p.send({ type: 'sub', id: 's1', channel: 'device', params: { id: 'oven-1' } });
    p.send({ type: 'req', id: 'r1', name: 'setTarget', payload: { id: 'oven-1', target: 200 } });
    await waitFor(() => p.frames.some((f) => f.type === 'res'), 5000, 'the reply');
    await waitFor(() => p.frames.some((f) => f.type === 'msg'), 5000, 'the message the request published');
    expect(p.frames.map((f) => f.type)).toEqual(expect.arrayContaining(['subscribed', 'msg', 'res']));
    expect(p.frames.findIndex((f) => f.type === 'subscribed')).toBeLessThan(p.frames.findIndex((f) => f.type === 'res'));
    // Handlers see who asked, not the connection's internals.
    expect(Object.keys(seen as object).sort()).toEqual(['id', 'principal']);
  });

  it('refuses to publish or emit once closed', async () => {
    const server = await start();
    await server.close();
    await expect(server.publish('device', { id: 'oven-1' }, oven(1))).rejects.toThrow('closed');
    expect(() => server.emit('alert', { device: 'x', message: 'y' })).toThrow('closed');
  });

  it('closes every client with 1001 on close() and releases the port', async () => {
    const server = await start();
    const p = await peer(server).opened();
    await server.close();
    expect(await p.closed()).toBe(1001);
    await expect(new RawPeer(url(server)).closed()).resolves.toBe(1006);
  });
});

/** Resolves once the client has received `n` frames (subscription acknowledgements, here). */
async function acked(c: Client<Home>, n: number): Promise<void> {
  await waitFor(() => {
    let frames = 0;
    c.stats$.subscribe((s) => (frames = s.messagesIn)).unsubscribe();
    return frames >= n;
  }, 5000, `${n} frames`);
}

/** A WebSocket class that remembers its sockets, so a test can cut one as the network would. */
function capturing() {
  const sockets: WebSocket[] = [];
  class Captured extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  return { Ctor: Captured as never, dropLast: () => sockets.at(-1)!.terminate() };
}

/** A memory broker (epoch E1) that a test can also make deliver messages and report losses, as a Redis broker would. */
function scriptedBroker(): Broker & { deliver(message: BrokerMessage): void; lose(loss: Loss): void } {
  const inner = memoryBroker({ epoch: () => 'E1' });
  const listeners = new Set<{ message: (m: BrokerMessage) => void; lost?: (loss: Loss) => void }>();
  return {
    ...inner,
    async listen(stream, message, lost) {
      const stop = await inner.listen(stream, message, lost);
      const listener = { message, lost };
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        stop();
      };
    },
    deliver: (message) => listeners.forEach((l) => l.message(message)),
    lose: (loss) => listeners.forEach((l) => l.lost?.(loss)),
  };
}

function statsOf(server: Server<Home, any>) {
  let stats: { connections: number; subscriptions: number } = { connections: -1, subscriptions: -1 };
  server.stats$.subscribe((s) => (stats = s)).unsubscribe();
  return stats;
}

