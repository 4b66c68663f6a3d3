/** The scale benchmark's section of docs/benchmarks.md: the fan-out and storm tables and the targets. */
import { INITIAL_DELAY, MAX_DELAY, PER_PROCESS, SERVERS, STORM_INTERVAL, median } from './common';
import type { ScaleData } from './index';

export const perSecond = (x: number) => (x >= 100_000 ? `${Math.round(x / 1000)}k` : `${(x / 1000).toFixed(1)}k`);
export const millis = (x: number) => (Number.isNaN(x) ? '—' : x >= 10 ? x.toFixed(0) : x.toFixed(1));
const spread = (values: number[], format: (x: number) => string) =>
  `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
const NAMES: Record<string, string> = { rxwire: 'rxwire `createServer` + `publish`', socketio: 'socket.io 4 `io.emit`', ws: 'plain `ws` loop over `wss.clients`' };

/** How the runs were set up, beside the figures. */
export interface ScaleSettings {
  sizes: number[];
  messages: number;
  cases: Array<{ clients: number; rate: number }>;
  stormSizes: number[];
  rateOf: (clients: number) => number;
}

export function scaleMarkdown(data: ScaleData, settings: ScaleSettings): string {
  const lines: string[] = [];
  fanoutTable(lines, data, settings);
  stormTable(lines, data, settings);
  targets(lines, data, settings);
  return lines.join('\n');
}

function fanoutTable(lines: string[], data: ScaleData, { sizes, messages, cases, rateOf }: ScaleSettings): void {
  const { rounds, quick } = data;
  lines.push(`### Server fan-out (${rounds} round(s)${quick ? ', quick' : ''}, Node ${data.node}, ${data.date.slice(0, 10)})`, '');
  lines.push(
    `${messages} messages per round to every client on one channel, sent at a fixed rate (${sizes.map((c) => `${c.toLocaleString('en')} clients: ${rateOf(c)}/s`).join('; ')}), and at ${sizes[0]!.toLocaleString('en')} clients also back to back ("max": as fast as the server sends, yielding to I/O every 10 messages; rxwire awaits each \`publish\`). Each server in its own fresh process per round; the clients are raw \`ws\` sockets in ${PER_PROCESS.toLocaleString('en')}-socket client processes, the same for every server (rxwire's clients speak its envelope: \`sub\` then \`msg\` frames; socket.io's speak engine.io v4 over websocket), each frame \`JSON.parse\`d. Latency runs from the publish stamp to the client's receipt; at a fixed rate the stamp is the time the message was due, so a server that falls behind its schedule shows it (no coordinated omission). Server CPU: user + system time of the server process from the first publish until every client had every message, per delivery. Medians over rounds, (min–max).`,
    '',
  );
  lines.push('| server | clients | messages/s | deliveries/s | p50 ms | p99 ms | server CPU µs per delivery |', '|---|---|---|---|---|---|---|');
  for (const { clients, rate } of cases) {
    for (const server of SERVERS) {
      const rs = data.fanout.rounds.filter((x) => x.server === server && x.clients === clients && x.rate === rate);
      lines.push(`| ${NAMES[server]} | ${clients.toLocaleString('en')} | ${rate || 'max'} | ${spread(rs.map((x) => x.deliveriesPerSecond), perSecond)} | ${spread(rs.map((x) => x.p50), millis)} | ${spread(rs.map((x) => x.p99), millis)} | ${spread(rs.map((x) => x.cpuPerDelivery), (x) => x.toFixed(1))} |`);
    }
  }
  lines.push('', `Offered load at the fixed rates: ${sizes.map((c) => `${(c * rateOf(c)).toLocaleString('en')} deliveries/s at ${c.toLocaleString('en')} clients`).join(', ')}; a server that keeps up delivers about that, so at this rate the deliveries/s mostly show whether it kept up, and the latency shows at what cost.`, '');

}

function stormTable(lines: string[], data: ScaleData, { stormSizes }: ScaleSettings): void {
  const { rounds } = data;
  lines.push(`### Reconnect storm (${stormSizes.map((c) => c.toLocaleString('en')).join(' and ')} clients, ${rounds} round(s))`, '');
  lines.push(
    `The server publishes every ${STORM_INTERVAL} ms; it is SIGKILLed and a new process started on the same port. "Settled": from the new server listening until every client received a message from it. rxwire: \`createClient\` with default heartbeat and reconnect (exponential, full jitter, initialDelay ${INITIAL_DELAY} ms, maxDelay ${MAX_DELAY.toLocaleString('en')} ms); socket.io: socket.io-client defaults (1,000 ms doubling to 5,000 ms, randomization 0.5). The backoff window is the delay bound of the highest retry any client made (the retry pending when the server came back).`,
    '',
  );
  lines.push('| client | clients | downtime ms | p50 back ms | settled ms | highest retry | backoff window ms | settled ≤ window + 2 s |', '|---|---|---|---|---|---|---|---|');
  for (const size of stormSizes) {
    for (const client of ['rxwire', 'socketio']) {
      const rs = data.storm.rounds.filter((x) => x.client === client && x.clients === size);
      const ok = rs.filter((x) => x.settled <= x.window + 2000).length;
      lines.push(
        `| ${client === 'rxwire' ? 'rxwire `createClient`' : 'socket.io-client'} | ${size.toLocaleString('en')} | ${spread(rs.map((x) => x.downtime), millis)} | ${spread(rs.map((x) => x.p50), millis)} | ${spread(rs.map((x) => x.settled), millis)} | ${spread(rs.map((x) => x.maxAttempt), String)} | ${spread(rs.map((x) => x.window), millis)} | ${ok}/${rs.length} rounds |`,
      );
    }
  }

}

function targets(lines: string[], data: ScaleData, { sizes, cases, stormSizes, rateOf }: ScaleSettings): void {
  const { quick } = data;
  const stormClients = stormSizes[stormSizes.length - 1]!;
  const med = (server: string, clients: number, rate: number, key: 'deliveriesPerSecond' | 'p99') =>
    median(data.fanout.rounds.filter((x) => x.server === server && x.clients === clients && x.rate === rate).map((x) => x[key]));
  const big = sizes[sizes.length - 1]!;
  const ahead = cases.map(
    ({ clients: c, rate }) =>
      `${c.toLocaleString('en')} at ${rate || 'max'}/s: ${perSecond(med('rxwire', c, rate, 'deliveriesPerSecond'))}/s, p99 ${millis(med('rxwire', c, rate, 'p99'))} ms vs socket.io ${perSecond(med('socketio', c, rate, 'deliveriesPerSecond'))}/s, p99 ${millis(med('socketio', c, rate, 'p99'))} ms`,
  );
  // Ahead: as fast as the servers go, more deliveries/s; at a fixed rate, which both should
  // sustain, the rate kept (within 2 %) with a p99 no more than 10 % higher.
  const aheadIn = ({ clients: c, rate }: { clients: number; rate: number }) =>
    rate === 0
      ? med('rxwire', c, rate, 'deliveriesPerSecond') > med('socketio', c, rate, 'deliveriesPerSecond')
      : med('rxwire', c, rate, 'deliveriesPerSecond') >= med('socketio', c, rate, 'deliveriesPerSecond') * 0.98 && med('rxwire', c, rate, 'p99') <= med('socketio', c, rate, 'p99') * 1.1;
  const aheadMet = cases.every(aheadIn);
  const rxStorm = data.storm.rounds.filter((x) => x.client === 'rxwire' && x.clients === stormClients);
  const stormMet = rxStorm.every((x) => x.settled <= x.window + 2000);
  lines.push('', '### Targets', '');
  lines.push(
    `- Server fan-out ahead of socket.io in the same run (back to back: more deliveries/s; at a fixed rate: the rate kept within 2 % and a p99 at most 10 % higher), in every case: **${aheadMet ? 'met' : 'not met'}** (${ahead.map((text, i) => `${text}: ${aheadIn(cases[i]!) ? 'ahead' : 'not ahead'}`).join('; ')}).`,
  );
  lines.push(
    `- ${big.toLocaleString('en')} clients on one process with p99 publish-to-delivery under 250 ms: **${med('rxwire', big, rateOf(big), 'p99') < 250 ? 'met' : 'not met'}** at ${big.toLocaleString('en')} clients, ${rateOf(big)} messages/s (p99 ${millis(med('rxwire', big, rateOf(big), 'p99'))} ms)${quick ? ' — quick run: the target is about 10,000 clients, judged by the full run only' : ''}.`,
  );
  lines.push(
    `- Reconnect storm of ${stormClients.toLocaleString('en')} clients settled within the backoff window + 2 s: **${stormMet ? 'met' : 'not met'}** (${rxStorm.map((x) => `${millis(x.settled)} ms vs ${x.window} + 2,000 ms`).join('; ')})${quick ? ' — quick run with 100 clients; the target is 1,000' : ''}.`,
  );
}
