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
import { FanoutDeliveries, args, exitWithStdin, say } from './clientProcess';
import { fanoutProtocol, wallClock } from './fanoutProtocol';

const { urls, first, clients, count, warmups, idle } = args({ urls: (arg) => arg!.split(','), first: Number, clients: Number, count: Number, warmups: Number, idle: Number });

const latencies = new Float64Array(clients * count);
let gaps = 0;
let errors = 0;
const tally = new FanoutDeliveries(clients, count, warmups, idle, (reason) => {
  const { deliveries, expected, short, unexpected, last } = tally;
  // Rounded to 0.01 ms: plenty for percentiles, and a third of the JSON.
  const lat = Array.from(latencies.subarray(0, deliveries), (x) => Math.round(x * 100) / 100);
  say({ result: { reason, clients, deliveries, expected, short, unexpected, gaps, errors, last, lat } }, () => process.exit(0));
});

for (let i = 0; i < clients; i++) {
  const client = createClient({ url: urls[(first + i) % urls.length]!, WebSocketCtor: WebSocket as never, protocol: fanoutProtocol, heartbeat: false });
  client.gaps$.subscribe(() => (gaps += 1));
  client.errors$.subscribe(() => (errors += 1));
  client.channel('feed', {}).subscribe({
    next: (message) => {
      const at = wallClock();
      if (message.n < 0) tally.warmUp(i);
      // A measured message before the start, or one too many, counts as unexpected.
      else tally.measured(i, at, (delivery) => (latencies[delivery] = at - message.t));
    },
    error: () => (errors += 1),
  });
}

exitWithStdin();
