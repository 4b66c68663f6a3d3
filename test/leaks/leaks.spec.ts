import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import { firstValueFrom, filter } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { ClientStats, ConnectionState } from '../../src/client/types';
import { createServer, memoryBroker, type Broker, type Server } from '../../src/server';
import { createFaultProxy, type FaultProxy } from '../../src/testing';
import { smartHome } from '../support/smartHome';
import { waitFor } from '../support/wsServer';
import { statsNow } from '../support/stats';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
};
const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
const statsOf = (c: { stats$: import('rxjs').Observable<ClientStats> }) => statsNow(c.stats$);
const serverSubscriptions = (server: Server<typeof smartHome, unknown>) => statsNow(server.stats$).subscriptions;

// The broker keeps the position of each stream left idle for its history TTL (so that a
// client coming back within it resumes without a gap notice): a short one here, so the
// heap can be measured once those positions are gone.
const HISTORY_TTL = 300;

describe('leaks', () => {
  let server: Server<typeof smartHome, unknown>;
  let broker: Broker;
  let proxy: FaultProxy;
  beforeAll(async () => {
    broker = memoryBroker({ historyTtl: HISTORY_TTL });
    // No rate limit here: this is about memory, not about limits.
    server = await createServer({ protocol: smartHome, port: 0, broker, limits: { rate: { messages: 1e9, interval: 1000 } } });
    proxy = await createFaultProxy({ target: { port: server.port } });
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
    await broker.close();
  });

  it('10,000 subscribe/unsubscribe cycles leave the heap, the client and the server where they started', async () => {
    const client = createClient({ url: `ws://127.0.0.1:${server.port}`, WebSocketCtor: WebSocket as never, protocol: smartHome });
    const hold = client.connect();
    await firstValueFrom(client.state$.pipe(filter((s) => s.status === 'open')));
    // Warm up once so the comparison is not skewed by code being compiled.
    for (let i = 0; i < 500; i++) client.channel('device', { id: `warm-${i}` }).subscribe().unsubscribe();
    await waitFor(() => serverSubscriptions(server) === 0, 10_000, 'the warm-up to settle');
    const failures: unknown[] = [];
    const before = heapMB();
    for (let i = 0; i < 10_000; i++) {
      const sub = client.channel('device', { id: `device-${i}` }).subscribe({ error: (e) => failures.push(e) });
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve)); // let frames go out
      sub.unsubscribe();
    }
    await waitFor(() => serverSubscriptions(server) === 0, 10_000, 'every unsubscribe to reach the server');
    // The idle streams' positions outlive them by one to two history TTLs, no more: the
    // broker lets them go at its next call after that.
    await new Promise((resolve) => setTimeout(resolve, 2 * HISTORY_TTL + 50));
    await broker.replay('another stream');
    const growth = heapMB() - before;
    console.log(`subscribe/unsubscribe x10,000: heap growth ${growth.toFixed(2)} MB`);
    expect(failures).toEqual([]);
    expect(statsOf(client).channels).toBe(0);
    expect(statsOf(client).reconnects).toBe(0); // the connection held throughout
    expect(growth).toBeLessThan(2);
    hold.unsubscribe();
    client.close();
  }, 60_000);

  it('1,000 reconnects leave the heap and the active handles where they started, and close() leaves nothing', async () => {
    const handlesAtStart = handles();
    const client = createClient({
      url: `ws://127.0.0.1:${proxy.port}`,
      WebSocketCtor: WebSocket as never,
      protocol: smartHome,
      reconnect: { initialDelay: 1, maxDelay: 5, resetAfter: 1 },
      heartbeat: { interval: 1000, timeout: 1000 },
    });
    const states: ConnectionState['status'][] = [];
    client.state$.subscribe((s) => states.length < 10 && states.push(s.status));
    client.channel('device', { id: 'oven-1' }).subscribe({ error: () => undefined });
    client.errors$.subscribe();
    const opened = () => statsOf(client).reconnects;
    await waitFor(() => proxy.connections === 1, 5000, 'the first connection');
    let before = 0;
    let handlesBefore = 0;
    for (let i = 0; i < 1000; i++) {
      if (i === 100) {
        before = heapMB(); // after a warm-up of 100 reconnects
        handlesBefore = handles();
      }
      const n = opened();
      proxy.drop();
      await waitFor(() => opened() > n && proxy.connections === 1, 5000, `reconnect ${i + 1}`);
    }
    const growth = heapMB() - before;
    console.log(`1,000 reconnects: heap growth ${growth.toFixed(2)} MB, active handles ${handlesBefore} -> ${handles()}`);
    expect(statsOf(client).reconnects).toBe(1000);
    expect(growth).toBeLessThan(2);
    expect(handles()).toBeLessThanOrEqual(handlesBefore);
    client.close();
    await waitFor(() => proxy.connections === 0, 5000, 'the socket to close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handles()).toBeLessThanOrEqual(handlesAtStart);
  }, 120_000);
});
