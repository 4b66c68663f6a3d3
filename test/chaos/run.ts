/**
 * `npm run chaos`: the long chaos run, by hand. Prints the figures and memory over time.
 *   npm run chaos                      # 1,000 faults, 10 clients, 100 channels
 *   npm run chaos -- --minutes 5       # a soak: faults for five minutes, memory every second
 */
import { runChaos } from './chaos';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const minutes = arg('minutes', 0);
const heartbeat = { interval: 100, timeout: 100 };
const samples: string[] = [];

const figures = await runChaos({
  clients: arg('clients', 10),
  channels: arg('channels', 100),
  faults: minutes > 0 ? Number.MAX_SAFE_INTEGER : arg('faults', 1000),
  timeLimitMs: minutes > 0 ? minutes * 60_000 : arg('seconds', 300) * 1000,
  historySize: arg('history', 200),
  heartbeat,
  onSample: (s) => {
    samples.push(`${String(s.seconds).padStart(5)} s  heap ${String(s.heapMB).padStart(4)} MB  faults ${s.faults}  published ${s.published}`);
    if (minutes > 0 && s.seconds % 10 === 0) console.log(samples.at(-1));
  },
});

console.log(`
| figure | value |
|---|---|
| faults injected | ${figures.faultsTotal} (${Object.entries(figures.faults).map(([k, v]) => `${k} ${v}`).join(', ')}) |
| reconnects | ${figures.reconnects} |
| messages published / delivered | ${figures.published} / ${figures.delivered} |
| lost (must be 0) | ${figures.lost} |
| duplicated (must be 0) | ${figures.duplicated} |
| out of order (must be 0) | ${figures.outOfOrder} |
| gap notices (messages beyond the history) | ${figures.gapNotices} (${figures.messagesInGaps}) |
| half-open connections / undetected | ${figures.halfOpens} / ${figures.undetectedHalfOpens} |
| worst detection (heartbeat ${heartbeat.interval} + ${heartbeat.timeout} ms) | ${figures.worstDetectionMs} ms (worst event-loop lag ${figures.maxEventLoopLagMs} ms) |
| duration | ${figures.seconds.toFixed(1)} s |
`);
if (minutes === 0 && samples.length) console.log(`memory: ${samples[0]} … ${samples.at(-1)}`);
process.exit(figures.lost || figures.duplicated || figures.outOfOrder || figures.undetectedHalfOpens ? 1 : 0);
