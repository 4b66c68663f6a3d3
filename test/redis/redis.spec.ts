import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/channels';
import type { Client } from '../../src/client/types';
import { hasRedis, TestRedis } from '../support/redis';
import { waitFor } from '../support/wsServer';
import { smartHome } from '../support/smartHome';

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
  publish(temperature: number): Promise<any> {
    return this.ask({ publish: { id: 'oven-1', temperature } });
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

const oven = { id: 'oven-1' };

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
  /** Resolves once process `p` reports `n` subscribers of oven-1 (presence, shared by all processes). */
  const present = (p: ServerProcess, n: number) => waitFor(async () => (await p.ask({ presence: 'oven-1' })).members.length === n, 10_000, `${n} present`);

  it('delivers what one process publishes to a client of the other, once', async () => {
    const c = client(a.url);
    const seen: number[] = [];
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(b, 1);
    for (let i = 1; i <= 20; i++) await b.publish(i);
    await waitFor(() => seen.length === 20, 10_000, 'twenty messages');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('moves a client from one process to the other mid-stream without losing or duplicating anything', async () => {
    let target = a.url;
    const c = client(() => target);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(a, 1);
    // Publish continuously from b while the client moves from a to b.
    let publishing = true;
    const publisher = (async () => {
      for (let i = 1; publishing && i <= 400; i++) await b.publish(i);
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
    const c = await ServerProcess.start(redis.url);
    const onA = client(a.url, 'alice');
    const onC = client(c.url, 'carol');
    onA.channel('device', oven).subscribe();
    onC.channel('device', oven).subscribe();
    await present(b, 2);
    expect((await b.ask({ presence: 'oven-1' })).members).toEqual(['alice', 'carol']);
    const killedAt = Date.now();
    c.kill(); // no goodbye: only the TTL can tell
    await present(b, 1);
    expect(Date.now() - killedAt).toBeLessThan(1000 + 1500);
    expect((await b.ask({ presence: 'oven-1' })).members).toEqual(['alice']);
  });

  it('survives Redis restarting: publishing reports the failure, clients stay up, subscriptions come back', async () => {
    const c = client(a.url);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    const states: string[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.state$.subscribe((s) => states.push(s.status));
    c.channel('device', oven).subscribe((m) => seen.push(m.temperature));
    await present(b, 1);
    await b.publish(1);
    await waitFor(() => seen.length === 1, 10_000, 'the first message');

    await redis.stop();
    const failed = await b.publish(2);
    expect(failed.error).toBeTruthy(); // reported, not queued and lost
    await redis.start(); // empty: no persistence
    await waitFor(async () => !(await b.publish(3)).error, 15_000, 'publishing to work again');
    await waitFor(() => seen.includes(3), 15_000, 'a message published after Redis came back');
    expect(seen).toEqual([1, 3]);
    expect(states.slice(states.indexOf('open'))).toEqual(['open']); // the client's connection never dropped
    expect(gaps.length).toBeGreaterThanOrEqual(1); // Redis lost the numbering: the client is told, not silently fed
  });
});
