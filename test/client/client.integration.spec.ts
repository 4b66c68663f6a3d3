import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createClient } from '../../src/client/createClient';
import type { Client, ClientOptions, ConnectionState } from '../../src/client/types';
import { HeartbeatTimeoutError } from '../../src/protocol/errors';
import { TestServer, waitFor } from '../support/wsServer';

const servers: TestServer[] = [];
const clients: Client[] = [];

async function server(onConnection?: ConstructorParameters<typeof TestServer>[0]): Promise<TestServer> {
  const s = await new TestServer(onConnection).start();
  servers.push(s);
  return s;
}

function client(options: Partial<ClientOptions> & Pick<ClientOptions, 'url'>): Client {
  const c = createClient({
    WebSocketCtor: WebSocket as never,
    reconnect: { initialDelay: 50, maxDelay: 200 },
    heartbeat: false,
    ...options,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

describe('client over a real ws server on 127.0.0.1', () => {
  it('comes back after the server is stopped and started again, with state$ showing every transition', async () => {
    const srv = await server((c) => c.socket.send(JSON.stringify({ hello: srv.connections.length })));
    const c = client({ url: srv.url });
    const states: ConnectionState[] = [];
    const messages: unknown[] = [];
    c.state$.subscribe((s) => states.push(s));
    c.messages$.subscribe((m) => messages.push(m));
    await waitFor(() => messages.length === 1, 5000, 'the first message');

    await srv.stop();
    await waitFor(() => states.filter((s) => s.status === 'reconnecting').length >= 2, 5000, 'two failed retries');
    await srv.start();
    await waitFor(() => messages.length === 2, 5000, 'the message of the second connection');

    expect(messages).toEqual([{ hello: 1 }, { hello: 2 }]);
    const statuses = states.map((s) => s.status);
    expect(statuses.slice(0, 3)).toEqual(['closed', 'connecting', 'open']);
    expect(statuses.at(-1)).toBe('open');
    // between the two opens: reconnecting and connecting alternate, starting with reconnecting
    const between = statuses.slice(3, -1);
    expect(between.length).toBeGreaterThanOrEqual(4);
    between.forEach((status, i) => expect(status).toBe(i % 2 === 0 ? 'reconnecting' : 'connecting'));
    const retries = states.filter((s): s is Extract<ConnectionState, { status: 'reconnecting' }> => s.status === 'reconnecting');
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(retries[0]!.code).toBe(1006);
  });

  it('detects a half-open connection within the heartbeat timeout and reconnects', async () => {
    const interval = 150;
    const timeout = 150;
    // The first connection is accepted and then never read again: a half-open peer.
    const srv = await server((c) => {
      if (srv.connections.length === 1) (c.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      else c.socket.on('message', () => c.socket.send(JSON.stringify({ type: 'pong' })));
    });
    const c = client({ url: srv.url, heartbeat: { interval, timeout } });
    const states: Array<{ status: string; at: number }> = [];
    const errors: unknown[] = [];
    c.state$.subscribe((s) => states.push({ status: s.status, at: performance.now() }));
    c.errors$.subscribe((e) => errors.push(e));
    c.connect();
    await waitFor(() => states.filter((s) => s.status === 'open').length === 2, 5000, 'the second open');

    const opened = states.find((s) => s.status === 'open')!.at;
    const detected = states.find((s) => s.status === 'reconnecting')!.at;
    expect(errors[0]).toBeInstanceOf(HeartbeatTimeoutError);
    expect(detected - opened).toBeGreaterThanOrEqual(interval + timeout - 20);
    expect(detected - opened).toBeLessThan(interval + timeout + 250);
    expect(srv.connections[0]!.received).toEqual([]); // paused: it never read the ping
  });

  it('does not retry a 1008 close', async () => {
    const srv = await server((c) => c.socket.close(1008, 'policy violation'));
    const c = client({ url: srv.url });
    const states: ConnectionState[] = [];
    c.state$.subscribe((s) => states.push(s));
    let failure: unknown;
    c.messages$.subscribe({ error: (e) => (failure = e) });
    await waitFor(() => failure !== undefined, 5000, 'the fatal close');
    await new Promise((r) => setTimeout(r, 400)); // well past the largest backoff (200 ms)
    expect(srv.connections).toHaveLength(1);
    expect(failure).toMatchObject({ kind: 'CONNECTION_CLOSED', code: 1008, reason: 'policy violation' });
    expect(states.at(-1)).toMatchObject({ status: 'closed', code: 1008, final: true });
  });

  it.each(['header', 'query', 'protocol'] as const)('sends a refreshed token on the reconnect (via %s)', async (via) => {
    const tokenOf = (c: { request: import('node:http').IncomingMessage }): string | undefined => {
      if (via === 'header') return c.request.headers.authorization?.replace(/^Bearer /, '');
      if (via === 'query') return new URL(c.request.url!, 'http://x').searchParams.get('token') ?? undefined;
      return String(c.request.headers['sec-websocket-protocol']).split(/,\s*/).find((p) => p.startsWith('bearer.'))?.slice(7);
    };
    // The first token is refused with 4401; the refreshed one is accepted.
    const srv = await server((c) => {
      if (tokenOf(c) === 'expired') c.socket.close(4401, 'token expired');
      else c.socket.send(JSON.stringify({ welcome: tokenOf(c) }));
    });
    const asked: boolean[] = [];
    const c = client({
      url: srv.url,
      auth: { via, token: async ({ refresh }) => (asked.push(refresh), refresh ? 'fresh' : 'expired') },
    });
    const messages: unknown[] = [];
    c.messages$.subscribe((m) => messages.push(m));
    await waitFor(() => messages.length === 1, 5000, 'the welcome');
    expect(messages).toEqual([{ welcome: 'fresh' }]);
    expect(srv.connections.map(tokenOf)).toEqual(['expired', 'fresh']);
    expect(asked).toEqual([false, true]);
    if (via === 'protocol') expect(srv.connections[1]!.socket.protocol).toBe('rxwire');
  });

  it('destroys the socket after closeTimeout when the server never answers the close', async () => {
    // The server stops reading right after the upgrade, so the closing handshake hangs.
    const srv = await server((c) => (c.socket as unknown as { _socket: { pause(): void } })._socket.pause());
    let raw: WebSocket | undefined;
    class Captured extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        raw = this; // eslint-disable-line @typescript-eslint/no-this-alias
      }
    }
    const c = client({ url: srv.url, WebSocketCtor: Captured as never, closeTimeout: 200 });
    const states: ConnectionState[] = [];
    c.state$.subscribe((s) => states.push(s));
    c.connect();
    await waitFor(() => states.some((s) => s.status === 'open'), 5000, 'the open');
    const closedAt = new Promise<number>((resolve) => raw!.once('close', () => resolve(performance.now())));
    const started = performance.now();
    c.close();
    const elapsed = (await closedAt) - started;
    // Without the client's own timeout, ws waits 30 s for the server's close frame.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
  });

  it('close() ends with 1000 and the Node process that used the client exits on its own', async () => {
    const srv = await server((c) => c.socket.send(JSON.stringify({ hi: true })));
    const script = fileURLToPath(new URL('../fixtures/closeAndExit.ts', import.meta.url));
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script, srv.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('received {"hi":true}');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    await waitFor(() => srv.connections[0]?.closeCode !== undefined, 2000, 'the server to see the close');
    expect(srv.connections[0]!.closeCode).toBe(1000);
  });
});
