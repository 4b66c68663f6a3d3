import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/types';
import type { Client } from '../../src/client/types';
import { hasRedis, TestRedis } from '../support/redis';
import { waitFor } from '../support/wsServer';
import { smartHome } from '../support/smartHome';
import { RawPeer } from '../server/support';

/** A server process on the shared Redis, commanded line by line. */
class ServerProcess {
  port = 0;
  private readonly answers: any[] = [];
  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.answers.push(JSON.parse(line)));
    child.stderr!.on('data', (d) => process.stderr.write(d));
  }
  static async start(redisUrl: string, port = 0): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/redisServerProcess.ts', redisUrl, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const p = new ServerProcess(child);
    await waitFor(() => p.answers.length > 0, 15_000, 'the server process');
    p.port = p.answers.shift().ready;
    return p;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  async ask(command: unknown): Promise<any> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    await waitFor(() => this.answers.length > 0, 10_000, `an answer to ${JSON.stringify(command)}`);
    return this.answers.shift();
  }
  publish(temperature: number, id = 'oven-1'): Promise<any> {
    return this.ask({ publish: { id, temperature } });
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

// Each test has its own device, so that nothing a test leaves behind (presence entries
// of clients still closing, history) can satisfy the next one.
let devices = 0;
const device = () => ({ id: `device-${++devices}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!hasRedis)('many server processes through Redis', () => {
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: Array<Client<typeof smartHome>> = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    [a, b] = await Promise.all([ServerProcess.start(redis.url), ServerProcess.start(redis.url)]);
  }, 30_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    a?.kill();
    b?.kill();
    await redis?.stop();
  });

  function client(url: string | (() => string), name = 'alice'): Client<typeof smartHome> {
    const c = createClient({
      url,
      WebSocketCtor: WebSocket as never,
      protocol: smartHome,
      auth: { token: () => name, via: 'query' },
      reconnect: { initialDelay: 20, maxDelay: 200 },
      heartbeat: { interval: 500, timeout: 500 },
    });
    clients.push(c);
    return c;
  }
  /** Resolves once process `p` reports `n` subscribers of device `id` (presence, shared by all processes). */
  const present = (p: ServerProcess, id: string, n: number) =>
    waitFor(async () => (await p.ask({ presence: id })).members.length === n, 10_000, `${n} present on ${id}`);

  it('delivers what one process publishes to a client of the other, once', async () => {
    const oven = device();
    const c = client(a.url);
    const seen: number[] = [];
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(b, oven.id, 1);
    for (let i = 1; i <= 20; i++) await b.publish(i, oven.id);
    await waitFor(() => seen.length === 20, 10_000, 'twenty messages');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('moves a client from one process to the other mid-stream without losing or duplicating anything', async () => {
    const oven = device();
    let target = a.url;
    const c = client(() => target);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(a, oven.id, 1);
    // Publish continuously from b while the client moves from a to b.
    let publishing = true;
    const publisher = (async () => {
      for (let i = 1; publishing && i <= 400; i++) await b.publish(i, oven.id);
    })();
    await waitFor(() => seen.length >= 20, 10_000, 'the stream to flow');
    target = b.url;
    await a.ask({ close: true }).catch(() => undefined); // a goes away: every client of a reconnects, to b
    await waitFor(() => seen.length >= 60, 10_000, 'the stream to flow again through b');
    publishing = false;
    await publisher;
    const total = Math.max(...seen);
    await waitFor(() => seen.length === total, 10_000, 'every message');
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(gaps).toEqual([]);
    a = await ServerProcess.start(redis.url); // for the next tests
  });

  it('keeps presence right across processes and drops a dead process within the presence TTL', async () => {
    const oven = device();
    const c = await ServerProcess.start(redis.url);
    const onA = client(a.url, 'alice');
    const onC = client(c.url, 'carol');
    onA.channel('device', oven).subscribe();
    onC.channel('device', oven).subscribe();
    await present(b, oven.id, 2);
    expect((await b.ask({ presence: oven.id })).members).toEqual(['alice', 'carol']);
    const killedAt = Date.now();
    c.kill(); // no goodbye: only the TTL can tell
    await present(b, oven.id, 1);
    expect(Date.now() - killedAt).toBeLessThan(1000 + 1500);
    expect((await b.ask({ presence: oven.id })).members).toEqual(['alice']);
  });

  it('survives Redis restarting: publishing reports the failure, clients stay up, subscriptions come back', async () => {
    const oven = device();
    const c = client(a.url);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    const states: string[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.state$.subscribe((s) => states.push(s.status));
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(b, oven.id, 1);
    const before = await b.publish(1, oven.id);
    await waitFor(() => seen.length === 1, 10_000, 'the first message');

    await redis.stop();
    const failed = await b.publish(2, oven.id);
    expect(failed.error).toBeTruthy(); // reported, not queued and lost
    await redis.start(); // empty: no persistence
    let after: any;
    await waitFor(async () => !(after = await b.publish(3, oven.id)).error, 15_000, 'publishing to work again');
    await waitFor(() => seen.includes(3), 15_000, 'a message published after Redis came back');
    expect(seen).toEqual([1, 3]);
    expect(states.slice(states.indexOf('open'))).toEqual(['open']); // the client's connection never dropped
    // Redis lost the history: the client is told once, with the new epoch, not silently fed.
    expect(after.epoch).not.toBe(before.epoch);
    expect(gaps).toEqual([{ channel: 'device', params: oven, epoch: after.epoch }]);
  });

  it('replays what the Redis subscriber connections missed when Redis closes them (CLIENT KILL TYPE pubsub), on both processes: nothing lost, nothing twice', async () => {
    const oven = device();
    const onA = client(a.url, 'alice');
    const onB = client(b.url, 'bob');
    const seen: Record<string, number[]> = { a: [], b: [] };
    const gaps: GapNotice[] = [];
    for (const [name, c] of [['a', onA], ['b', onB]] as const) {
      c.gaps$.subscribe((g) => gaps.push(g));
      c.channel('device', oven).subscribe((m) => seen[name]!.push(m.temperature));
    }
    await present(a, oven.id, 2);
    const admin = new Redis(redis.url);
    const subscribers = async () => String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((l) => l.trim()).length;
    try {
      let published = 0;
      let publishing = true;
      // Both processes publish, in turn, all along.
      const publisher = (async () => {
        while (publishing) {
          published += 1;
          const answer = await (published % 2 === 0 ? a : b).publish(published, oven.id);
          expect(answer.error).toBeUndefined();
        }
      })();
      let killed = 0;
      for (let round = 0; round < 5; round++) {
        await waitFor(async () => (await subscribers()) === 2, 10_000, 'both subscriber connections back');
        await sleep(50 + Math.random() * 100);
        killed += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
      }
      await waitFor(async () => (await subscribers()) === 2, 10_000, 'both subscriber connections back');
      await sleep(100);
      publishing = false;
      await publisher;
      expect(killed).toBe(10); // both processes' links, five times
      await waitFor(() => seen.a!.length >= published && seen.b!.length >= published, 10_000, 'every message at both clients');
      await sleep(100); // nothing more may come
      const all = Array.from({ length: published }, (_, i) => i + 1);
      expect(seen.a).toEqual(all);
      expect(seen.b).toEqual(all);
      expect(gaps).toEqual([]);
    } finally {
      admin.disconnect();
    }
  }, 60_000);

  it('keys a stream by its canonical params: 3,000 subscriptions with distinct extra keys leave no extra Redis keys', async () => {
    const oven = device();
    const admin = new Redis(redis.url);
    const keysOf = async () => (await admin.keys(`rxwire:*`)).filter((k) => k.includes(oven.id)).sort();
    try {
      const peers = await Promise.all([0, 1, 2].map(() => new RawPeer(`${a.url}?token=mallory`).opened()));
      try {
        for (let i = 0; i < 3000; i++) peers[i % 3]!.send({ type: 'sub', id: `s${i}`, channel: 'device', params: { ...oven, [`extra${i}`]: i } });
        await waitFor(() => peers.every((p) => p.frames.filter((f) => f.type === 'subscribed').length === 1000), 15_000, '3,000 subscribed');
        const epochs = new Set(peers.flatMap((p) => p.frames.filter((f) => f.type === 'subscribed').map((f) => f.epoch)));
        expect(epochs.size).toBe(1); // one stream
        await b.publish(1, oven.id);
        await waitFor(() => peers.every((p) => p.frames.filter((f) => f.type === 'msg').length === 1000), 10_000, 'the message on every subscription');
        const stream = `device\u0000{"id":"${oven.id}"}`;
        expect(await keysOf()).toEqual([`rxwire:h:${stream}`, `rxwire:m:${stream}`, `rxwire:pos:${stream}`]);
        // Every key that holds state expires: history and position with the history TTL, presence with its own.
        for (const key of await keysOf()) expect(await admin.pttl(key)).toBeGreaterThan(0);
      } finally {
        for (const p of peers) p.terminate();
      }
    } finally {
      admin.disconnect();
    }
  }, 30_000);
});
