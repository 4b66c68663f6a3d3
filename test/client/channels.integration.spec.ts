import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { firstValueFrom } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/types';
import type { Client } from '../../src/client/types';
import { RemoteError, SubscriptionError } from '../../src/protocol/errors';
import { createServer, memoryBroker, RequestError } from '../../src/server';
import type { Broker, Server, ServerOptions, StreamPosition } from '../../src/server';
import { waitFor } from '../support/wsServer';
import { smartHome } from '../support/smartHome';
import { unbatched } from '../support/frames';
import { statsNow } from '../support/stats';

type Home = typeof smartHome;

/** A real rxwire server that can be stopped and started again on the same port, keeping its broker (its history). */
class Restartable {
  server: Server<Home, unknown> | undefined;
  port = 0;
  constructor(private readonly options: Partial<ServerOptions<Home, unknown>> & { broker: Broker }) {}
  async start(): Promise<this> {
    this.server = await createServer({ protocol: smartHome, port: this.port, ...this.options });
    this.port = this.server.port;
    return this;
  }
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  publish(temperature: number): Promise<StreamPosition> {
    // While stopped, publish straight into the broker, as another process would.
    const data = { id: 'oven-1', temperature };
    return this.server
      ? this.server.publish('device', { id: 'oven-1' }, data)
      : this.options.broker.publish(`device\u0000{"id":"oven-1"}`, data).then(({ epoch, offset }) => ({ epoch, offset }));
  }
}

const servers: Restartable[] = [];
const clients: Array<Client<Home>> = [];

async function server(options: Partial<ServerOptions<Home, unknown>> = {}): Promise<Restartable> {
  const s = await new Restartable({ broker: memoryBroker(), ...options }).start();
  servers.push(s);
  return s;
}

/**
 * A client whose outbound and inbound frames are recorded, to check what went on the
 * wire; `drop()` cuts its socket as a network failure would.
 */
function client(url: string | (() => string)): { c: Client<Home>; sent: any[]; wire: any[]; received: any[]; wireIn: any[]; drop: () => void } {
  const sent: any[] = [];
  const wire: any[] = [];
  const received: any[] = [];
  const wireIn: any[] = [];
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
      this.on('message', (data) => {
        wireIn.push(JSON.parse(String(data)));
        received.push(...unbatched([wireIn.at(-1)]));
      });
    }
    override send(data: any, ...rest: any[]): void {
      wire.push(JSON.parse(String(data)));
      sent.push(...unbatched([wire.at(-1)]));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  const c = createClient({ url, WebSocketCtor: Recording as never, protocol: smartHome, reconnect: { initialDelay: 20, maxDelay: 100 } });
  clients.push(c);
  return { c, sent, wire, received, wireIn, drop: () => sockets.at(-1)!.terminate() };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

const oven = (temperature: number) => ({ id: 'oven-1', temperature });
const subscribed = (sent: any[], n: number) => waitFor(() => sent.filter((f) => f.type === 'sub').length >= n, 5000, `${n} subscribes`);
/** Resolves once the server holds `n` live subscriptions. */
function live(srv: Restartable, n: number): Promise<void> {
  return waitFor(() => (srv.server ? statsNow(srv.server.stats$).subscriptions : -1) === n, 5000, `${n} live subscriptions`);
}

/** A client that can be taken away (its reconnects go to a closed port) while the server sees the drop. */
function awayClient(srv: Restartable) {
  let away = false;
  const recorded = client(() => (away ? 'ws://127.0.0.1:1' : srv.url));
  return {
    ...recorded,
    /** Cuts the socket and waits until the server has no subscription left: the stream is idle. */
    async leave(): Promise<void> {
      away = true;
      recorded.drop();
      await live(srv, 0);
    },
    /** Lets the client reconnect, and waits until its resubscription is live. */
    async comeBack(): Promise<void> {
      away = false;
      await live(srv, 1);
    },
  };
}

/** Subscribes `recorded`'s client to oven-1 and its gap notices, and waits until the subscription is live on `srv`. */
async function watchOven<T extends { c: Client<Home>; sent: any[] }>(recorded: T, srv: Restartable): Promise<T & { seen: number[]; gaps: GapNotice[] }> {
  const seen: number[] = [];
  const gaps: GapNotice[] = [];
  recorded.c.gaps$.subscribe((g) => gaps.push(g));
  recorded.c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
  await subscribed(recorded.sent, 1);
  await live(srv, 1);
  return { ...recorded, seen, gaps };
}

describe('channels and requests over the real rxwire server', () => {
  it('delivers every message exactly once, in order, across a server restart', async () => {
    const srv = await server();
    const { c, sent } = client(srv.url);
    const seen: number[] = [];
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    await subscribed(sent, 1);
    await live(srv, 1);
    let position: StreamPosition | undefined;
    for (let i = 1; i <= 5; i++) position = await srv.publish(i);
    await waitFor(() => seen.length === 5, 5000, 'the first five');

    await srv.stop();
    for (let i = 6; i <= 10; i++) await srv.publish(i); // missed while down
    await srv.start();
    await waitFor(() => seen.length === 10, 5000, 'the replay');
    await srv.publish(11);
    await waitFor(() => seen.length === 11, 5000, 'the live message after the replay');

    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sent.filter((f) => f.type === 'sub')).toEqual([
      { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } },
      { type: 'sub', id: '2', channel: 'device', params: { id: 'oven-1' }, since: { epoch: position!.epoch, offset: 5 } },
    ]);
  });

  it('subscribes 10,000 channels at once and resubscribes them after a drop in a few batch frames, within the default rate limit', async () => {
    const srv = await server({ limits: { maxSubscriptions: 20_000 } });
    const closes: number[] = [];
    srv.server!.connections$.subscribe((e) => e.type === 'disconnected' && closes.push(e.code));
    const { c, sent, wire, received, wireIn, drop } = client(srv.url);
    const errors: unknown[] = [];
    for (let i = 0; i < 10_000; i++) c.channel('device', { id: `d${i}` }).subscribe({ error: (e) => errors.push(e) });
    await live(srv, 10_000);
    await waitFor(() => received.filter((f) => f.type === 'subscribed').length === 10_000, 5000, 'every subscribed');
    expect(wire.filter((f) => f.type === 'batch')).toHaveLength(10); // 1,000 frames each
    expect(wire.every((f) => f.type !== 'batch' || f.reply === 'batch')).toBe(true);
    // Answered in kind: the 10,000 subscribed came in batch frames, one per batch sent
    // (a turn's end may split one), not 10,000 frames.
    const answers = wireIn.filter((f) => f.type === 'batch');
    expect(answers.length).toBeGreaterThanOrEqual(10);
    expect(answers.length).toBeLessThanOrEqual(20);
    expect(wireIn.length).toBe(answers.length + 1); // and the welcome
    drop();
    await waitFor(() => sent.filter((f) => f.type === 'sub').length === 20_000, 10_000, 'the resubscribes');
    await live(srv, 10_000);
    expect(wire.filter((f) => f.type === 'batch')).toHaveLength(20);
    expect(sent.slice(10_000).every((f) => f.since !== undefined)).toBe(true);
    expect(closes.filter((code) => code === 1008)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('gives no gap notice for a drop during which nothing was published, however idle the stream', async () => {
    const srv = await server();
    const { c, sent, received, leave, comeBack, seen, gaps } = await watchOven(awayClient(srv), srv);
    // Twice: once before anything was published (position 0), once after; each time
    // the stream has no listener left while the client is away.
    await leave();
    await comeBack();
    const { epoch } = await srv.publish(1);
    await waitFor(() => seen.length === 1, 5000, 'the first message');
    await leave();
    await comeBack();
    await srv.publish(2);
    await waitFor(() => seen.length === 2, 5000, 'the message after the drops');
    expect(seen).toEqual([1, 2]);
    expect(gaps).toEqual([]);
    expect(sent.filter((f) => f.type === 'sub').map((f) => f.since)).toEqual([undefined, { epoch, offset: 0 }, { epoch, offset: 1 }]);
    expect(received.filter((f) => f.type === 'gap')).toEqual([]);
  });

  it('resumes in the same epoch with exactly what was missed, none twice, over several drops', async () => {
    const srv = await server();
    const { c, sent, received, leave, comeBack, seen, gaps } = await watchOven(awayClient(srv), srv);
    let stats = { duplicates: -1 };
    c.stats$.subscribe((s) => (stats = s));
    let n = 0;
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 3; i++) await srv.publish(++n);
      await waitFor(() => seen.length === n, 5000, `the live messages of round ${round}`);
      await leave();
      for (let i = 0; i < 4; i++) await srv.publish(++n); // missed while away
      await comeBack();
      await waitFor(() => seen.length === n, 5000, `the replay of round ${round}`);
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(gaps).toEqual([]);
    // The server replayed only what came after each resubscribe's since: nothing to drop.
    const delivered = received.filter((f) => f.type === 'msg').map((f) => f.data.temperature);
    expect(delivered).toEqual(seen);
    await waitFor(() => stats.duplicates === 0, 5000, 'stats');
  });

  it('emits a gap notice when the history no longer holds what was missed', async () => {
    const srv = await server({ broker: memoryBroker({ historySize: 3 }) });
    const { c, sent, seen, gaps } = await watchOven(client(srv.url), srv);
    const { epoch } = await srv.publish(1);
    await waitFor(() => seen.length === 1, 5000, 'the first message');
    await srv.stop();
    for (let i = 2; i <= 10; i++) await srv.publish(i);
    await srv.start();
    await waitFor(() => seen.length === 4, 5000, 'the replay of what is left');
    expect(seen).toEqual([1, 8, 9, 10]);
    expect(gaps).toEqual([{ channel: 'device', params: { id: 'oven-1' }, epoch, from: 2, to: 7, lost: 6 }]);
  });

  it('after a restart that lost every history (a new process), gives exactly one gap notice, with the new epoch, and keeps receiving', async () => {
    const first = await server({ broker: memoryBroker() });
    const { c, sent, seen, gaps } = await watchOven(client(first.url), first);
    const before = await first.publish(1);
    await waitFor(() => seen.length === 1, 5000, 'the first message');
    await first.stop();
    const second = new Restartable({ broker: memoryBroker() });
    second.port = first.port; // the same address, a fresh process's broker
    await second.start();
    servers.push(second);
    await live(second, 1);
    const after = await second.publish(2);
    await second.publish(3);
    await waitFor(() => seen.length === 3, 5000, 'the messages of the new process');
    expect(seen).toEqual([1, 2, 3]);
    expect(after).toEqual({ epoch: expect.not.stringMatching(before.epoch), offset: 1 });
    // How much the old process still published before it went is unknown: no count.
    expect(gaps).toEqual([{ channel: 'device', params: { id: 'oven-1' }, epoch: after.epoch }]);
    expect(sent.filter((f) => f.type === 'sub').at(-1).since).toEqual({ epoch: before.epoch, offset: 1 });
  });

  it('refuses one channel with SubscriptionError and keeps the others', async () => {
    const srv = await server({ authorize: (_principal, _channel, params) => (params as { id: string }).id !== 'neighbour' });
    const { c, sent } = client(srv.url);
    const refused = firstValueFrom(c.channel('device', { id: 'neighbour' })).catch((e: unknown) => e);
    const allowed = firstValueFrom(c.channel('device', { id: 'oven-1' }));
    await subscribed(sent, 2);
    expect(await refused).toBeInstanceOf(SubscriptionError);
    expect(await refused).toMatchObject({ code: 'FORBIDDEN', channel: 'device' });
    await live(srv, 1);
    await srv.publish(42);
    expect(await allowed).toEqual(oven(42));
  });

  it('answers requests with typed replies and typed errors', async () => {
    const srv = await server();
    srv.server!.handle('setTarget', (p) => {
      if (p.target > 250) throw new RequestError('OUT_OF_RANGE', 'too hot', { max: 250 });
      return { ok: true, target: p.target };
    });
    const { c } = client(srv.url);
    expect(await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 180 }))).toEqual({ ok: true, target: 180 });
    const failure = await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 900 })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'OUT_OF_RANGE', serverMessage: 'too hot', data: { max: 250 } });
  });

  it('keeps the connection and other channels through an invalid message and an invalid event', async () => {
    const broker = memoryBroker();
    const srv = await server({ broker });
    const { c, sent } = client(srv.url);
    const errors: unknown[] = [];
    c.errors$.subscribe((e) => errors.push(e));
    const seen: number[] = [];
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    c.event('alert').subscribe();
    await subscribed(sent, 1);
    await live(srv, 1);
    // The server validates what it publishes, so the bad message comes through the broker, as from a buggy process.
    await broker.publish(`device\u0000{"id":"oven-1"}`, { id: 'oven-1', temperature: 'hot' });
    await srv.publish(7);
    await waitFor(() => seen.length === 1, 5000, 'the valid message');
    expect(seen).toEqual([7]);
    expect(errors.map((e) => (e as { reason: string }).reason)).toEqual(['message of channel "device": temperature: expected number, got "hot"']);
  });
});
