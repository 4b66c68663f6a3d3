/** The scale benchmark's section of docs/benchmarks.md: the fan-out and storm tables and the targets. */
import { RECONNECT_DEFAULTS } from '../../src/index';
import { barChart, type Bar } from '../report';
import { PER_PROCESS, SERVERS, STORM_PER_PROCESS, contenderLabel, median, type StormContender } from './common';
import type { ScaleData, StormRound } from './index';

export const perSecond = (x: number) => (x >= 100_000 ? `${Math.round(x / 1000)}k` : `${(x / 1000).toFixed(1)}k`);
export const millis = (x: number) => (!Number.isFinite(x) ? '—' : x >= 10 ? x.toFixed(0) : x.toFixed(1));
const spread = (values: number[], format: (x: number) => string) =>
  `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
const NAMES: Record<string, string> = { rxwire: 'rxwire `createServer` + `publish`', socketio: 'socket.io 4 `io.emit`', ws: 'plain `ws` loop over `wss.clients`' };

/** How the runs were set up, beside the figures. */
export interface ScaleSettings {
  sizes: number[];
  messages: number;
  cases: Array<{ clients: number; rate: number }>;
  rateOf: (clients: number) => number;
}

export function scaleMarkdown(data: ScaleData, settings: ScaleSettings): string {
  const lines: string[] = [];
  if (data.fanout.cases.length) fanoutTable(lines, data, settings);
  if (data.storm.sizes.length) stormTable(lines, data);
  lines.push('', '### Targets', '');
  if (data.fanout.cases.length) targets(lines, data, settings);
  if (data.storm.sizes.length) stormTargets(lines, data);
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

/** The contender the client's defaults make (RECONNECT_DEFAULTS), as the storm names it. */
export function defaultContender(data: ScaleData): StormContender {
  const named = `rxwire:${RECONNECT_DEFAULTS.jitter}:${RECONNECT_DEFAULTS.initialDelay}`;
  return data.storm.contenders.includes(named) ? named : 'rxwire';
}

/** A contender's storm rounds at one size. */
export const stormRounds = (data: ScaleData, contender: StormContender, clients: number): StormRound[] =>
  data.storm.rounds.filter((x) => x.contender === contender && x.clients === clients);
/** A contender's median settling time at a size; a round that never settled counts as infinitely long. */
export const settledOf = (rs: StormRound[]) => median(rs.map((x) => (Number.isNaN(x.settled) ? Infinity : x.settled)));
export const sum = (rs: StormRound[], key: 'givenUp' | 'limitCloses' | 'refused') => rs.reduce((n, x) => n + x[key], 0);

function stormTable(lines: string[], data: ScaleData): void {
  const { rounds, storm } = data;
  lines.push(`### Reconnect storm (${storm.sizes.map((c) => c.toLocaleString('en')).join(' and ')} clients, ${storm.channels} channels each, ${rounds} round(s)${data.quick ? ', quick' : ''})`, '');
  lines.push(
    `Every client subscribes to ${storm.channels} channels (rxwire: \`storm\` with \`{ ch: 0..${storm.channels - 1} }\`; socket.io: ${storm.channels} rooms, one \`sub\` event each, emitted again on every \`connect\`). Once every client heard the server on every channel, its process is SIGKILLed, and a replacement (a process started beforehand and set up, waiting) listens on the same port ${storm.downtime.toLocaleString('en')} ms later: the same downtime for every contender, whatever the load on the machine. **Settled**: from the new server listening until its subscription count is back to clients × ${storm.channels} (rxwire's \`rxwire_subscriptions\` gauge, socket.io's room joins; polled every 5 ms); it then publishes one message per channel, and **all back** is when every client heard it on every channel. Clients in processes of ${STORM_PER_PROCESS.toLocaleString('en')}, the server in its own; both servers on their own \`http\` server with a listen backlog of 2,048, connection caps lifted, rxwire's rate limits at their defaults. rxwire: \`createClient\` with default heartbeat and reconnect (maxDelay ${RECONNECT_DEFAULTS.maxDelay.toLocaleString('en')} ms, multiplier ${RECONNECT_DEFAULTS.multiplier}) with the jitter and initialDelay shown; socket.io: socket.io-client defaults (1,000 ms doubling to 5,000 ms, randomization 0.5). Medians over rounds (min–max); a round that never settled counts as the longest.`,
    '',
  );
  lines.push('| client | clients | downtime ms | settled ms | all back ms | last open ms | highest retry | retries | given up | 1008/1013 closes |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const size of storm.sizes) {
    for (const contender of storm.contenders) {
      const rs = stormRounds(data, contender, size);
      if (!rs.length) continue;
      const settled = rs.map((x) => (Number.isNaN(x.settled) ? Infinity : x.settled));
      lines.push(
        `| ${contenderLabel(contender)}${contender === defaultContender(data) ? ' **(default)**' : ''} | ${size.toLocaleString('en')} | ${spread(rs.map((x) => x.downtime), millis)} | ${spread(settled, millis)} | ${spread(rs.map((x) => (Number.isNaN(x.allBack) ? Infinity : x.allBack)), millis)} | ${spread(rs.map((x) => x.lastOpen), millis)} | ${spread(rs.map((x) => x.maxAttempt), String)} | ${spread(rs.map((x) => x.retries), String)} | ${sum(rs, 'givenUp')} | ${sum(rs, 'limitCloses')} |`,
      );
    }
  }
}

function stormTargets(lines: string[], data: ScaleData): void {
  const mine = defaultContender(data);
  for (const size of data.storm.sizes) {
    const ours = stormRounds(data, mine, size);
    const theirs = stormRounds(data, 'socketio', size);
    if (!ours.length || !theirs.length) continue;
    const met = settledOf(ours) <= settledOf(theirs) && sum(ours, 'givenUp') === 0 && ours.every((x) => x.back === size) && sum(ours, 'limitCloses') === 0;
    const wins = ours.filter((x) => theirs.some((y) => y.round === x.round && x.settled <= y.settled)).length;
    lines.push(
      `- Reconnect storm of ${size.toLocaleString('en')} clients × ${data.storm.channels} channels settled no later than socket.io in the same run, no client given up on, no 1008/1013 close: **${met ? 'met' : 'not met'}** (rxwire with its defaults ${millis(settledOf(ours))} ms, socket.io ${millis(settledOf(theirs))} ms, medians; rxwire no later in ${wins}/${ours.length} rounds; ${sum(ours, 'givenUp')} given up, ${sum(ours, 'limitCloses')} closes with 1008/1013, ${sum(ours, 'refused')} refused)${data.quick ? ' — quick run: the target is at 1,000 and 10,000 clients, judged by the full run only' : ''}.`,
    );
  }
}

/** One chart per storm size: each contender's median settling time (lower is better). */
export function stormCharts(data: ScaleData): Array<{ name: string; caption: string; svg: string }> {
  return data.storm.sizes.map((size) => {
    const bars: Bar[] = data.storm.contenders
      .map((contender) => ({ label: contenderLabel(contender), value: settledOf(stormRounds(data, contender, size)), ours: contender !== 'socketio' }))
      .filter((bar) => Number.isFinite(bar.value));
    const what = `${size.toLocaleString('en')} clients × ${data.storm.channels} channels`;
    return {
      name: `storm-${size}`,
      caption: `Reconnect storm, ${what}: time to settle`,
      svg: barChart(`Reconnect storm, ${what}: settled after restart, ms (lower is better)`, 'ms', bars, (v) => v.toFixed(0)),
    };
  });
}

function targets(lines: string[], data: ScaleData, { sizes, cases, rateOf }: ScaleSettings): void {
  const { quick } = data;
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
  lines.push(
    `- Server fan-out ahead of socket.io in the same run (back to back: more deliveries/s; at a fixed rate: the rate kept within 2 % and a p99 at most 10 % higher), in every case: **${aheadMet ? 'met' : 'not met'}** (${ahead.map((text, i) => `${text}: ${aheadIn(cases[i]!) ? 'ahead' : 'not ahead'}`).join('; ')}).`,
  );
  lines.push(
    `- ${big.toLocaleString('en')} clients on one process with p99 publish-to-delivery under 250 ms: **${med('rxwire', big, rateOf(big), 'p99') < 250 ? 'met' : 'not met'}** at ${big.toLocaleString('en')} clients, ${rateOf(big)} messages/s (p99 ${millis(med('rxwire', big, rateOf(big), 'p99'))} ms)${quick ? ' — quick run: the target is about 10,000 clients, judged by the full run only' : ''}.`,
  );
}
