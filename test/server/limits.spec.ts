import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import net from 'node:net';
import { once } from 'node:events';
import { firstValueFrom } from 'rxjs';
import { createServer, ForbiddenError, RequestError } from '../../src/server';
import { RxwireError } from '../../src/index';
import type { ConnectionEvent, Server, ServerOptions } from '../../src/server';
import { smartHome } from '../support/smartHome';
import { waitFor } from '../support/wsServer';
import { RawPeer } from './support';

type Home = typeof smartHome;
const servers: Array<Server<Home, any>> = [];
const peers: RawPeer[] = [];

async function start(options: Partial<ServerOptions<Home, any>> = {}): Promise<Server<Home, any>> {
  const server = await createServer<Home, any>({ protocol: smartHome, port: 0, ...options });
  servers.push(server);
  return server;
}
function peer(server: Server<Home, any>, options: { query?: string; protocols?: string[]; ws?: WebSocket.ClientOptions } = {}): RawPeer {
  const p = new RawPeer(`ws://127.0.0.1:${server.port}/${options.query ?? ''}`, options.ws, options.protocols);
  peers.push(p);
  return p;
}
afterEach(async () => {
  for (const p of peers.splice(0)) p.terminate();
  for (const s of servers.splice(0)) await s.close();
});

/** A peer that is still served: it gets a pong for its ping. */
async function stillServed(p: RawPeer): Promise<void> {
  const before = p.frames.length;
  p.send({ type: 'ping' });
  await waitFor(() => p.frames.slice(before).some((f) => f.type === 'pong'), 3000, 'a pong');
}

describe('authentication at the upgrade', () => {
  const users: Record<string, { name: string; banned?: boolean }> = { 'good-token': { name: 'alice' }, 'banned-token': { name: 'mallory', banned: true } };
  const authenticate: ServerOptions<Home, { name: string }>['authenticate'] = ({ token }) => {
    const user = token === undefined ? undefined : users[token];
    if (user?.banned) throw new ForbiddenError('banned');
    return user;
  };

  it.each([
    ['a bearer header', { ws: { headers: { Authorization: 'Bearer good-token' } } }],
    ['a token query parameter', { query: '?token=good-token' }],
    ['a bearer. subprotocol entry', { protocols: ['rxwire', 'bearer.good-token'] }],
  ])('accepts a good token in %s', async (_where, options) => {
    const events: Array<ConnectionEvent<{ name: string }>> = [];
    const server = await start({ authenticate });
    server.connections$.subscribe((e) => events.push(e));
    const p = await peer(server, options).opened();
    await stillServed(p);
    expect(events[0]).toMatchObject({ type: 'connected', connection: { principal: { name: 'alice' } } });
    if ('protocols' in options) expect(p.socket.protocol).toBe('rxwire'); // never the token entry
  });

  it.each([
    ['no token', {}, 4401],
    ['a wrong token', { query: '?token=nope' }, 4401],
    ['a token in a header name nobody reads', { ws: { headers: { 'X-Token': 'good-token' } } }, 4401],
    ['a forbidden principal', { query: '?token=banned-token' }, 4403],
  ])('closes a peer with %s at once with the right code, reading nothing it sent', async (_what, options, code) => {
    let requests = 0;
    const server = await start({ authenticate });
    server.handle('setTarget', () => (requests++, { ok: true, target: 1 }));
    const p = peer(server, options as never);
    p.socket.on('open', () => p.send({ type: 'req', id: 'r1', name: 'setTarget', payload: { id: 'x', target: 1 } }));
    expect(await p.closed()).toBe(code);
    expect(p.frames).toEqual([]);
    expect(requests).toBe(0);
    expect(p.closeReason).not.toContain('token');
  });

  it("with refuseWith 'http', answers 401 without creating a socket", async () => {
    const server = await start({ authenticate, refuseWith: 'http' });
    const events: unknown[] = [];
    server.connections$.subscribe((e) => events.push(e));
    const p = peer(server, { query: '?token=nope' });
    const status = await new Promise<number>((resolve) => p.socket.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(401);
    expect(events).toEqual([]);
  });

  it('refuses a browser origin that is not allowed with 403', async () => {
    const server = await start({ origins: ['https://app.example'] });
    const bad = peer(server, { ws: { origin: 'https://evil.example' } });
    const status = await new Promise<number>((resolve) => bad.socket.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(403);
    await stillServed(await peer(server, { ws: { origin: 'https://app.example' } }).opened());
  });
});

describe('slow upgrades', () => {
  it('cuts off a peer that never finishes its HTTP upgrade, and keeps serving others', async () => {
    const server = await start({ upgradeTimeout: 300 });
    const slow = net.connect(server.port, '127.0.0.1');
    await once(slow, 'connect');
    slow.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'); // and never the rest
    const started = Date.now();
    let answer = '';
    slow.on('data', (d) => (answer += d)); // read, or the end of the stream is never seen
    await new Promise((resolve) => slow.on('close', resolve));
    expect(Date.now() - started).toBeLessThan(300 + 1000 + 500);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    await stillServed(await peer(server).opened());
  });

  it('closes with 1013 ("try again later") when authenticate takes longer than upgradeTimeout', async () => {
    const server = await start({ upgradeTimeout: 100, authenticate: () => new Promise(() => undefined) });
    const p = peer(server, { query: '?token=t' });
    expect(await p.closed()).toBe(1013);
    expect(p.closeReason).toBe('try again later');
    expect(server.metrics()).toContain('rxwire_refused_total{reason="unavailable"} 1');
  });

  it('closes with 1013 when authenticate throws (its database is down), not with 4401', async () => {
    const server = await start({
      authenticate: () => {
        throw new Error('connect ECONNREFUSED 10.0.0.9:5432');
      },
    });
    const p = peer(server, { query: '?token=t' });
    expect(await p.closed()).toBe(1013);
    expect(p.closeReason).not.toContain('ECONNREFUSED');
  });

  it('sends the acceptance frame first, with the connection id and the ping interval', async () => {
    const server = await start({ pingInterval: 12_345 });
    const p = await peer(server).opened();
    await waitFor(() => p.welcome !== undefined, 3000, 'the welcome frame');
    expect(p.welcome).toEqual({ type: 'welcome', connection: expect.any(String), ping: 12_345 });
  });
});

describe('limits, each leaving the other connections served', () => {
  it.each([
    ['a frame over maxPayload', 1009, (p: RawPeer) => p.send('x'.repeat(2048))],
    ['invalid JSON', 1007, (p: RawPeer) => p.send('{"type":')],
    ['invalid UTF-8', 1007, (p: RawPeer) => p.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })],
    ['a frame that is not an object', 1002, (p: RawPeer) => p.send('[1,2]')],
    ['an unknown frame type', 1002, (p: RawPeer) => p.send({ type: 'teleport' })],
    ['a binary frame', 1003, (p: RawPeer) => p.socket.send(Buffer.from('{}'), { binary: true })],
  ])('closes the peer that sends %s with %i', async (_what, code, misbehave) => {
    const server = await start({ limits: { maxPayload: 1024 } });
    const good = await peer(server).opened();
    const bad = await peer(server).opened();
    misbehave(bad);
    expect(await bad.closed()).toBe(code);
    await stillServed(good);
  });

  it('answers a bad subscription with a typed error, not a close', async () => {
    const server = await start({ limits: { maxSubscriptions: 2 } });
    const p = await peer(server).opened();
    p.send({ type: 'sub', id: 'a', channel: 'device', params: { id: 'x' } });
    p.send({ type: 'sub', id: 'a', channel: 'device', params: { id: 'y' } });
    p.send({ type: 'sub', id: 'b', channel: 'toaster', params: {} });
    p.send({ type: 'sub', id: 'c', channel: 'device', params: { id: 42 } });
    p.send({ type: 'sub', id: 'd', channel: 'device', params: { id: 'z' } });
    p.send({ type: 'sub', id: 'e', channel: 'device', params: { id: 'w' } });
    await waitFor(() => p.frames.filter((f) => f.type === 'error').length === 4, 3000, 'four refusals');
    const errors = Object.fromEntries(p.frames.filter((f) => f.type === 'error').map((f) => [f.id, f.code]));
    expect(errors).toEqual({ a: 'DUPLICATE_ID', b: 'UNKNOWN_CHANNEL', c: 'INVALID_PARAMS', e: 'TOO_MANY_SUBSCRIPTIONS' });
    await stillServed(p);
  });

  it('closes a peer that passes the message rate limit with 1008', async () => {
    const server = await start({ limits: { rate: { messages: 20, interval: 1000 } } });
    const good = await peer(server).opened();
    const flood = await peer(server).opened();
    for (let i = 0; i < 50; i++) flood.send({ type: 'ping' });
    expect(await flood.closed()).toBe(1008);
    expect(flood.closeReason).toBe('rate limit exceeded');
    expect(flood.frames.filter((f) => f.type === 'pong').length).toBeLessThanOrEqual(20);
    await stillServed(good);
  });

  it('cuts off a peer that stops reading with 1013 once its buffered bytes pass the bound', async () => {
    const maxBufferedBytes = 256 * 1024;
    const server = await start({ limits: { maxBufferedBytes } });
    const good = await peer(server).opened();
    const slow = await peer(server).opened();
    slow.send({ type: 'sub', id: 's', channel: 'device', params: { id: 'oven-1' } });
    good.send({ type: 'sub', id: 'g', channel: 'device', params: { id: 'oven-1' } });
    await waitFor(() => slow.frames.length > 0 && good.frames.length > 0, 3000, 'both subscribed');
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading
    const heapBefore = process.memoryUsage().heapUsed;
    const big = { id: 'oven-1', temperature: 1, pad: 'x'.repeat(8000) } as never;
    let cut = false;
    server.connections$.subscribe((e) => e.type === 'disconnected' && e.code === 1013 && (cut = true));
    for (let i = 0; i < 5000 && !cut; i++) {
      await server.publish('device', { id: 'oven-1' }, big);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => cut, 5000, 'the slow peer to be cut off');
    // Bounded: nowhere near the 40 MB that 5,000 frames of 8 KB would hold.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(30 * 1024 * 1024);
    await stillServed(good);
  });

  it('terminates a peer that stops answering native pings', async () => {
    const server = await start({ pingInterval: 100 });
    const good = await peer(server).opened();
    const deaf = await peer(server, { ws: { autoPong: false } }).opened();
    expect(await deaf.closed()).toBe(1006);
    await stillServed(good);
  });
});

/** Opens a raw TCP connection and asks for a WebSocket upgrade by hand; resolves with the socket and what came back first. */
async function rawUpgrade(port: number, headers: Record<string, string> = {}): Promise<{ socket: net.Socket; head: string }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return { socket, head: data.toString('latin1') };
}

describe('refusals that cost the server nothing', () => {
  it('destroys a refused peer that never completes the close handshake within closeTimeout', async () => {
    const server = await start({ authenticate: () => undefined, closeTimeout: 300 });
    const { socket, head } = await rawUpgrade(server.port);
    expect(head).toMatch(/^HTTP\/1\.1 101/); // accepted, then closed with 4401 in a frame we never answer
    const started = Date.now();
    await once(socket, 'close');
    const held = Date.now() - started;
    expect(held).toBeGreaterThanOrEqual(250);
    expect(held).toBeLessThan(3000);
  });

  it('refuses connections past maxConnections with HTTP 503, counting refused peers still closing, and admits again once one leaves', async () => {
    const server = await start({ limits: { maxConnections: 2 } });
    const a = await peer(server).opened();
    await peer(server).opened();
    const third = peer(server);
    const status = await new Promise<number>((resolve) => third.socket.once('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(503);
    a.terminate();
    await waitFor(async () => {
      const again = peer(server);
      const ok = await again.opened().then(() => true, () => false);
      return ok;
    }, 3000, 'a free slot');
    expect(server.metrics()).toContain('rxwire_refused_total{reason="capacity"}');
  });

  it('caps connections per address, as addressOf tells it (a proxy header here)', async () => {
    const server = await start({
      limits: { maxConnectionsPerAddress: 2 },
      addressOf: (request) => String(request.headers['x-forwarded-for'] ?? request.socket.remoteAddress),
    });
    const from = (address: string) => peer(server, { ws: { headers: { 'x-forwarded-for': address } } });
    await from('10.0.0.1').opened();
    await from('10.0.0.1').opened();
    const refused = from('10.0.0.1');
    expect(await new Promise<number>((resolve) => refused.socket.once('unexpected-response', (_req, res) => resolve(res.statusCode!)))).toBe(503);
    await stillServed(await from('10.0.0.2').opened()); // another address is still admitted
    expect(server.metrics()).toContain('rxwire_refused_total{reason="address_capacity"} 1');
  });

  it('counts native pings against the rate limit and closes a ping flood with 1008, reported in connections$ and stats$', async () => {
    const events: Array<ConnectionEvent<unknown>> = [];
    const server = await start({ limits: { rate: { messages: 50, interval: 1000 } } });
    server.connections$.subscribe((e) => events.push(e));
    const flood = await peer(server).opened();
    for (let i = 0; i < 200 && flood.socket.readyState === WebSocket.OPEN; i++) flood.socket.ping();
    // The flooder may see 1006 (its unread pings make the close a TCP reset); the server's
    // own report below is what must say 1008.
    expect([1008, 1006]).toContain(await flood.closed());
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 3000, 'the disconnect');
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({ code: 1008, reason: 'rate limit exceeded' });
    const stats = await firstValueFrom(server.stats$);
    expect(stats.closedForLimits).toBe(1);
  });

  it('reports a frame ws refuses (1009, too big) with its real code in connections$, stats$ and the metrics', async () => {
    const events: Array<ConnectionEvent<unknown>> = [];
    const server = await start({ limits: { maxPayload: 1024 } });
    server.connections$.subscribe((e) => events.push(e));
    const big = await peer(server).opened();
    big.send({ type: 'ping', pad: 'x'.repeat(4096) });
    expect(await big.closed()).toBe(1009);
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 3000, 'the disconnect');
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({ code: 1009 });
    expect((await firstValueFrom(server.stats$)).closedForLimits).toBe(1);
    expect(server.metrics()).toContain('rxwire_closed_total{code="1009"} 1');
  });
});

describe('metrics for operators', () => {
  it('serves Prometheus text on metricsPath, which a scrape parses into connections, subscriptions, deliveries, refusals, closes and request latency', async () => {
    const server = await start({ metricsPath: '/metrics', authenticate: ({ token }) => (token === 'ok' ? { name: 'a' } : undefined) });
    server.handle('setTarget', ({ target }) => ({ ok: true, target }));
    const p = await peer(server, { query: '?token=ok' }).opened();
    p.send({ type: 'sub', id: 's', channel: 'device', params: { id: 'oven' } });
    await waitFor(() => p.frames.some((f) => f.type === 'subscribed'), 3000, 'subscribed');
    await server.publish('device', { id: 'oven' }, { id: 'oven', temperature: 1 });
    p.send({ type: 'req', id: 'r', name: 'setTarget', payload: { id: 'oven', target: 5 } });
    await waitFor(() => p.frames.some((f) => f.type === 'res'), 3000, 'the reply');
    const refused = peer(server, { query: '?token=bad' });
    expect(await refused.closed()).toBe(4401);

    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    // Parse the exposition: every sample line is `name{labels} value`, every name has HELP and TYPE.
    const samples = new Map<string, number>();
    const types = new Map<string, string>();
    for (const line of (await response.text()).trim().split('\n')) {
      const typed = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
      if (typed) types.set(typed[1]!, typed[2]!);
      if (line.startsWith('#')) continue;
      const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      expect(match, line).not.toBeNull();
      samples.set(`${match![1]}${match![2] ?? ''}`, Number(match![3]));
    }
    expect(samples.get('rxwire_connections')).toBe(1);
    expect(samples.get('rxwire_subscriptions')).toBe(1);
    expect(samples.get('rxwire_messages_published_total')).toBe(1);
    expect(samples.get('rxwire_frames_sent_total')).toBeGreaterThanOrEqual(3); // subscribed, msg, res
    expect(samples.get('rxwire_refused_total{reason="unauthorized"}')).toBe(1);
    expect(samples.get('rxwire_request_duration_seconds_count{request="setTarget"}')).toBe(1);
    expect(samples.get('rxwire_request_duration_seconds_bucket{request="setTarget",le="+Inf"}')).toBe(1);
    expect(types.get('rxwire_request_duration_seconds')).toBe('histogram');
    expect(types.get('rxwire_connections')).toBe('gauge');
    // Anything else on the HTTP server still says WebSocket only.
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(426);
  });
});

describe('server errors', () => {
  it('are RxwireErrors with stable kinds', async () => {
    const server = await start();
    await server.close();
    const error = await server.publish('device', { id: 'x' }, { id: 'x', temperature: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RxwireError);
    expect(error).toMatchObject({ kind: 'SERVER_CLOSED', name: 'ServerClosedError' });
    expect(new RequestError('X', 'x')).toMatchObject({ kind: 'REQUEST_FAILED', name: 'RequestError', code: 'X' });
    expect(new ForbiddenError()).toMatchObject({ kind: 'FORBIDDEN', name: 'ForbiddenError' });
  });
});
