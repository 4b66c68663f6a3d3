/**
 * One client process of the fan-out benchmark:
 * `tsx bench/fanoutClient.ts <url,url,...> <first index> <clients> <count> <warm-ups> <idle ms>`.
 *
 * Opens `clients` rxwire clients, client i (numbered from `first index` over every client
 * process) on url i mod the number of urls, each subscribed to `feed`. Prints
 * `{"ready":true}` once every one of them received `warm-ups` warm-up messages (`n` = -1),
 * then, once every client received the `count` measured messages (or nothing arrived for
 * `idle ms`), one line `{"result":{...}}` with its deliveries, the time of its last delivery
 * and every delivery's latency (ms from the message's `t` to its observer), and exits.
 * It exits as well when its stdin closes, so it never outlives the benchmark.
 */
import WebSocket from 'ws';
import { createClient } from '../src/index';
import { fanoutProtocol, wallClock } from './fanoutProtocol';

const [urlsArg, firstArg, clientsArg, countArg, warmArg, idleArg] = process.argv.slice(2);
const urls = urlsArg!.split(',');
const first = Number(firstArg);
const clients = Number(clientsArg);
const count = Number(countArg);
const warmups = Number(warmArg);
const idle = Number(idleArg);

const say = (value: unknown, then?: () => void): void => void process.stdout.write(`${JSON.stringify(value)}\n`, then);

const expected = clients * count;
const latencies = new Float64Array(expected);
const perClient = new Uint32Array(clients);
const warm = new Uint32Array(clients);
let warmedClients = 0;
let deliveries = 0;
let unexpected = 0;
let gaps = 0;
let errors = 0;
let last = 0;
let finished = false;
let lastArrival = 0;

function finish(reason: string): void {
  if (finished) return;
  finished = true;
  // Rounded to 0.01 ms: plenty for percentiles, and a third of the JSON.
  const lat = Array.from(latencies.subarray(0, deliveries), (x) => Math.round(x * 100) / 100);
  const short = perClient.reduce((n, got) => n + (got < count ? 1 : 0), 0);
  say({ result: { reason, clients, deliveries, expected, short, unexpected, gaps, errors, last, lat } }, () => process.exit(0));
}

for (let i = 0; i < clients; i++) {
  const client = createClient({ url: urls[(first + i) % urls.length]!, WebSocketCtor: WebSocket as never, protocol: fanoutProtocol, heartbeat: false });
  client.gaps$.subscribe(() => (gaps += 1));
  client.errors$.subscribe(() => (errors += 1));
  client.channel('feed', {}).subscribe({
    next: (message) => {
      const at = wallClock();
      if (message.n < 0) {
        warm[i] = warm[i]! + 1;
        if (warm[i] === warmups && ++warmedClients === clients) say({ ready: true });
        return;
      }
      if (warmedClients < clients || perClient[i]! >= count) {
        unexpected += 1; // a measured message before the start, or one too many
        return;
      }
      perClient[i] = perClient[i]! + 1;
      latencies[deliveries++] = at - message.t;
      last = at;
      lastArrival = performance.now();
      if (deliveries === expected) finish('complete');
    },
    error: () => (errors += 1),
  });
}

// Bounded: report what arrived once nothing has for `idle` ms after the first measured message.
setInterval(() => {
  if (deliveries > 0 && performance.now() - lastArrival > idle) finish('idle');
}, 100).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
