import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { firstValueFrom } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { Client, ClientOptions, ConnectionState } from '../../src/client/types';
import { DecodeError, HeartbeatTimeoutError } from '../../src/protocol/errors';
import { createServer, memoryBroker } from '../../src/server';
import type { Server } from '../../src/server';
import { createFaultProxy, type FaultProxy } from '../../src/testing';
import { smartHome } from '../support/smartHome';
import { waitFor } from '../support/wsServer';
import { statsNow } from '../support/stats';

type Home = typeof smartHome;
let server: Server<Home, unknown>;
let proxy: FaultProxy;
const clients: Array<Client<Home>> = [];

async function setup(): Promise<void> {
  server = await createServer({ protocol: smartHome, port: 0, broker: memoryBroker() });
  server.handle('setTarget', ({ target }) => ({ ok: true, target }));
  proxy = await createFaultProxy({ target: { port: server.port } });
}
function client(options: Partial<ClientOptions<Home>> = {}): { c: Client<Home>; states: ConnectionState[]; errors: unknown[]; seen: number[] } {
  const c = createClient({
    url: `ws://127.0.0.1:${proxy.port}`,
    WebSocketCtor: WebSocket as never,
    protocol: smartHome,
    reconnect: { initialDelay: 20, maxDelay: 100 },
    heartbeat: { interval: 150, timeout: 150 },
    // A retry that starts while the proxy still swallows everything is abandoned quickly.
    connectTimeout: 300,
    ...options,
  });
  clients.push(c);
  const states: ConnectionState[] = [];
  const errors: unknown[] = [];
  const seen: number[] = [];
  c.state$.subscribe((s) => states.push(s));
  c.errors$.subscribe((e) => errors.push(e));
  c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
  return { c, states, errors, seen };
}
const opens = (states: ConnectionState[]) => states.filter((s) => s.status === 'open').length;
const publish = (t: number) => server.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: t });
const subscribed = () => waitFor(() => statsNow(server.stats$).subscriptions === 1, 5000, 'the subscription');

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  await server?.close();
});

describe('createFaultProxy between a real client and server', () => {
  it('forwards, and after drop() the client reconnects and recovers what it missed', async () => {
    await setup();
    const { states, seen } = client();
    await subscribed();
    await publish(1);
    await waitFor(() => seen.length === 1, 5000, 'the first message');
    proxy.refuse(true);
    proxy.drop();
    await waitFor(() => states.at(-1)?.status === 'reconnecting', 5000, 'the drop to be seen');
    await publish(2);
    proxy.refuse(false);
    await waitFor(() => seen.length === 2, 5000, 'the missed message');
    expect(seen).toEqual([1, 2]);
    expect(opens(states)).toBe(2);
  });

  it('black-holes a connection: the heartbeat detects it within interval + timeout', async () => {
    await setup();
    const { states, errors } = client();
    await waitFor(() => opens(states) === 1, 5000, 'the open');
    const started = performance.now();
    proxy.blackhole(true);
    expect(proxy.connections).toBe(1); // TCP stays up: half-open
    await waitFor(() => errors.some((e) => e instanceof HeartbeatTimeoutError), 5000, 'the heartbeat timeout');
    const detected = performance.now() - started;
    expect(detected).toBeLessThan(150 + 150 + 200);
    proxy.blackhole(false);
    await waitFor(() => opens(states) === 2, 5000, 'the reconnect');
  });

  it('adds latency to a round trip', async () => {
    await setup();
    const { c, states } = client({ heartbeat: false });
    await waitFor(() => opens(states) === 1, 5000, 'the open');
    proxy.latency(60);
    const started = performance.now();
    expect(await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 5 }))).toEqual({ ok: true, target: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(110); // 60 ms each way
  });

  it('throttles bandwidth', async () => {
    await setup();
    const { states, seen } = client({ heartbeat: false });
    await subscribed();
    await waitFor(() => opens(states) === 1, 5000, 'the open');
    proxy.throttle(20_000);
    const started = performance.now();
    const padded = { id: 'oven-1', temperature: 0, pad: 'x'.repeat(1000) } as never;
    for (let i = 0; i < 30; i++) await server.publish('device', { id: 'oven-1' }, padded); // ~31 KB
    await waitFor(() => seen.length === 30, 10_000, 'thirty messages');
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('cuts a connection in the middle of a frame: no partial message is delivered, the client recovers', async () => {
    await setup();
    const { states, errors, seen } = client({ heartbeat: false });
    await subscribed();
    await waitFor(() => opens(states) === 1, 5000, 'the open');
    proxy.cutMidFrame();
    await publish(1);
    await waitFor(() => opens(states) === 2, 5000, 'the reconnect');
    await waitFor(() => seen.length === 1, 5000, 'the message, replayed');
    expect(seen).toEqual([1]);
    expect(errors.filter((e) => e instanceof DecodeError)).toEqual([]);
  });
});
