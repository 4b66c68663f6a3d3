/**
 * One rxwire server of the fan-out benchmark, in its own process:
 * `tsx bench/fanoutServer.ts memory` (default memory broker) or `tsx bench/fanoutServer.ts redis <url>`.
 * Prints `{"port":N}`, then answers each JSON command line on stdin with one JSON line:
 *
 * - `{"warm":k}`: publishes k warm-up messages (`n` = -1) to `feed`, each awaited.
 * - `{"run":{"count":M,"rate":R}}`: publishes `n` = 0..M-1, R per second on a fixed
 *   schedule (R = 0: each as soon as the previous one's publish resolved); answers with the
 *   `t` of the first message and the time the publishing took.
 *
 * It exits when its stdin closes, so it never outlives the benchmark.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from '../src/server/index';
import { redisBroker } from '../src/redis/index';
import { fanoutProtocol, wallClock } from './fanoutProtocol';

const [mode, redisUrl] = process.argv.slice(2);
if (mode !== 'memory' && !(mode === 'redis' && redisUrl)) throw new Error('usage: fanoutServer.ts memory | redis <url>');

const server = await createServer({
  protocol: fanoutProtocol,
  port: 0,
  // Every benchmark client comes from 127.0.0.1: no per-address or total cap.
  limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity },
  ...(mode === 'redis' ? { broker: redisBroker({ url: redisUrl! }) } : {}),
});
const answer = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

async function run(count: number, rate: number): Promise<{ first: number; ms: number }> {
  const start = performance.now();
  let first = 0;
  for (let n = 0; n < count; n++) {
    if (rate > 0) {
      // A fixed schedule: a publish that ran late is followed at once by those due meanwhile.
      const wait = start + (n * 1000) / rate - performance.now();
      if (wait >= 1) await sleep(wait);
    }
    const t = wallClock();
    if (n === 0) first = t;
    await server.publish('feed', {}, { n, t });
  }
  return { first, ms: performance.now() - start };
}

answer({ port: server.port });
for await (const line of createInterface({ input: process.stdin })) {
  try {
    const command = JSON.parse(line) as { warm?: number; run?: { count: number; rate: number } };
    if (command.warm !== undefined) {
      for (let i = 0; i < command.warm; i++) await server.publish('feed', {}, { n: -1, t: wallClock() });
      answer({ warmed: command.warm });
    } else if (command.run) {
      answer(await run(command.run.count, command.run.rate));
    } else {
      answer({ error: `unknown command ${line}` });
    }
  } catch (error) {
    answer({ error: (error as Error).message });
  }
}
// stdin closed: the benchmark is done (or gone).
process.exit(0);
