import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as t from 'io-ts';
import { firstValueFrom, filter } from 'rxjs';
import { createClient, defineProtocol, ConnectionClosedError, type ClientError, type ConnectionState } from '../../src/index';
import { createServer, type Server } from '../../src/server';
import { createFaultProxy, type FaultProxy } from '../../src/testing';
import { freePort } from '../support/redis';
import { waitFor } from '../support/wsServer';

const echo = defineProtocol({ requests: { echo: { request: t.type({ text: t.string }), response: t.type({ text: t.string }) } } });
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(options: Partial<Parameters<typeof createServer<typeof echo, { name: string }>>[0]> = {}): Promise<Server<typeof echo, { name: string }>> {
  const server = await createServer<typeof echo, { name: string }>({ protocol: echo, port: 0, ...options });
  server.handle('echo', ({ text }) => ({ text }));
  closers.push(() => server.close());
  return server;
}

describe('the connection lifecycle over real sockets', () => {
  it('a request made at start-up with a stale token succeeds: refused with 4401, retried with a fresh token, sent only once accepted', async () => {
    const server = await start({ authenticate: ({ token }) => (token === 'fresh' ? { name: 'a' } : undefined) });
    const states: string[] = [];
    const client = createClient({
      url: `ws://127.0.0.1:${server.port}`,
      WebSocketCtor: WebSocket,
      protocol: echo,
      auth: { via: 'query', token: ({ refresh }) => (refresh ? 'fresh' : 'stale') },
    });
    closers.push(() => client.close());
    client.state$.subscribe((s) => states.push(s.status));
    const reply = await firstValueFrom(client.request('echo', { text: 'at start-up' }));
    expect(reply).toEqual({ text: 'at start-up' });
    // The refused connection never showed open.
    expect(states.filter((s) => s === 'open')).toHaveLength(1);
    expect(states.indexOf('reconnecting')).toBeLessThan(states.indexOf('open'));
  });

  it('connects through an upgrade delayed past interval + timeout of the heartbeat (connectTimeout covers it)', async () => {
    const server = await start();
    const proxy: FaultProxy = await createFaultProxy({ target: { port: server.port } });
    closers.push(() => proxy.close());
    proxy.latency(400); // every chunk of the handshake 400 ms late: ~1 s to acceptance
    const errors: ClientError[] = [];
    const client = createClient({
      url: `ws://127.0.0.1:${proxy.port}`,
      WebSocketCtor: WebSocket,
      protocol: echo,
      heartbeat: { interval: 100, timeout: 100 }, // 200 ms of silence: less than the handshake takes
      connectTimeout: 5000,
    });
    closers.push(() => client.close());
    client.errors$.subscribe((e) => errors.push(e));
    const started = Date.now();
    // Once accepted the network is quick again, so the heartbeat (from acceptance) holds.
    client.state$.pipe(filter((s) => s.status === 'open')).subscribe(() => proxy.latency(0));
    const reply = await firstValueFrom(client.request('echo', { text: 'slow' }, { timeout: 10_000 }));
    expect(reply).toEqual({ text: 'slow' });
    expect(Date.now() - started).toBeGreaterThan(200); // the handshake did outlast interval + timeout
    expect(errors).toEqual([]);
  });

  it('says a connection never opened, with the platform error as its cause (ECONNREFUSED)', async () => {
    const port = await freePort(); // nothing listens here
    const client = createClient({ url: `ws://127.0.0.1:${port}`, WebSocketCtor: WebSocket, protocol: echo, reconnect: { maxAttempts: 0 } });
    closers.push(() => client.close());
    const errors: ClientError[] = [];
    client.errors$.subscribe((e) => errors.push(e));
    client.connect();
    const final = await firstValueFrom(client.state$.pipe(filter((s): s is Extract<ConnectionState, { status: 'closed' }> => s.status === 'closed' && s.final)));
    const error = final.error as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.phase).toBe('connecting');
    expect(error.code).toBe(1006);
    expect(error.reason).toContain('ECONNREFUSED');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/failed before it was accepted.*ECONNREFUSED/);
  });

  it('fails a request in flight with the real code of the close that ended it', async () => {
    let held: ((reply: { text: string }) => void) | undefined;
    const server = await start();
    server.handle('echo', () => new Promise((resolve) => (held = resolve)));
    const client = createClient({ url: `ws://127.0.0.1:${server.port}`, WebSocketCtor: WebSocket, protocol: echo });
    closers.push(() => client.close());
    const failed = firstValueFrom(client.request('echo', { text: 'x' })).catch((e: unknown) => e);
    await waitFor(() => held !== undefined, 3000, 'the request at the server');
    await server.close(); // 1001, going away
    const error = (await failed) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.code).toBe(1001);
  });
});
