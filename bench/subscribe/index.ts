/**
 * Subscribing to many channels at once: `node --import tsx bench/subscribe/index.ts [--quick] [--rounds N]`,
 * or `runSubscribe({ quick, rounds })` from another script (it returns the markdown).
 *
 * A server process (rxwire, default limits but `maxSubscriptions` 20,000) and, in this
 * process, one client that subscribes to 10,000 channels in one turn; then its socket is
 * cut (a network drop) and the client resubscribes all of them. Timed: from the first
 * `channel().subscribe()` (or the drop) to the last `subscribed` received. The same client
 * with an adapter that has no `batch` (every subscribe its own frame, as before batch
 * frames) runs beside it, each round, to show what batching changes.
 */
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { filter } from 'rxjs';
import { createClient, jsonEnvelope } from '../../src/index';
import { Child } from '../child';
import { median } from '../stats';
import { runAsScript } from '../report';
import { subscribeProtocol } from './protocol';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const log = (text: string) => process.stderr.write(`${text}\n`);
const CHANNELS = 10_000;
const LIMIT_MS = 15_000;

export interface SubscribeOptions {
  quick: boolean;
  rounds: number;
}

/** One client's run: its times, or why it failed. */
export type SubscribeOutcome = { subscribeMs: number; resubscribeMs: number } | { failed: string };
type Outcome = SubscribeOutcome;

/** One client subscribing CHANNELS channels, then resubscribing them after a drop. */
async function oneClient(port: number, batched: boolean): Promise<Outcome> {
  const sockets: WebSocket[] = [];
  class Kept extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  const adapter = batched ? jsonEnvelope() : { ...jsonEnvelope(), batch: undefined };
  const client = createClient({ url: `ws://127.0.0.1:${port}`, WebSocketCtor: Kept as never, protocol: subscribeProtocol, adapter, reconnect: { initialDelay: 1, jitter: 'none' } });
  let acknowledged = 0;
  let wake: (() => void) | undefined;
  let failure: string | undefined;
  client.messages$.pipe(filter((m) => (m as { type?: string }).type === 'subscribed')).subscribe({
    next: () => {
      acknowledged += 1;
      wake?.();
    },
    error: () => undefined, // a fatal close: state$ says which
  });
  client.state$.subscribe((state) => {
    if (state.status === 'closed' && state.final && state.code !== 1000) failure = `closed ${state.code} (${state.reason})`;
    if (state.status === 'reconnecting' && state.code === 1008) failure = `closed 1008 (${(state.error as Error)?.message ?? 'rate limit'})`;
    if (failure) wake?.();
  });
  const until = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ${n} acknowledgements within ${LIMIT_MS} ms`)), LIMIT_MS);
      wake = () => {
        if (failure) reject(new Error(failure));
        else if (acknowledged >= n) resolve();
        else return;
        clearTimeout(timer);
      };
      wake();
    });
  try {
    const started = performance.now();
    for (let i = 0; i < CHANNELS; i++) client.channel('item', { id: `i${i}` }).subscribe({ error: () => undefined });
    await until(CHANNELS);
    const subscribeMs = performance.now() - started;
    const dropped = performance.now();
    sockets.at(-1)!.terminate();
    await until(2 * CHANNELS);
    return { subscribeMs, resubscribeMs: performance.now() - dropped };
  } catch (error) {
    return { failed: (error as Error).message };
  } finally {
    client.close();
  }
}

const ms = (values: number[]) => (values.length === 0 ? '—' : `${Math.round(median(values))} ms (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`);

export async function runSubscribe(options: SubscribeOptions): Promise<{ markdown: string; figures: { batched: Outcome[]; unbatched: Outcome[] } }> {
  const server = new Child('subscribe server', process.execPath, ['--import', 'tsx', here('./server.ts')]);
  const figures: { batched: Outcome[]; unbatched: Outcome[] } = { batched: [], unbatched: [] };
  try {
    const { port } = await server.json<{ port: number }>(30_000, 'its port');
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of round % 2 ? (['batched', 'unbatched'] as const) : (['unbatched', 'batched'] as const)) {
        const outcome = await oneClient(port, variant === 'batched');
        figures[variant]!.push(outcome);
        log(`subscribe: round ${round}/${options.rounds}, ${variant}: ${'failed' in outcome ? outcome.failed : `${Math.round(outcome.subscribeMs)} ms, resubscribe ${Math.round(outcome.resubscribeMs)} ms`}`);
      }
    }
    const closes = await server.command<{ closes: Record<string, number> }>({}, 10_000, 'its closes');
    const row = (name: string, outcomes: Outcome[]) => {
      const ok = outcomes.filter((o): o is Exclude<Outcome, { failed: string }> => !('failed' in o));
      const failed = outcomes.filter((o): o is { failed: string } => 'failed' in o);
      return `| ${name} | ${ms(ok.map((o) => o.subscribeMs))} | ${ms(ok.map((o) => o.resubscribeMs))} | ${failed.length === 0 ? 'none' : `${failed.length}: ${failed[0]!.failed}`} |`;
    };
    const batched = figures.batched!.filter((o) => !('failed' in o)) as Array<{ subscribeMs: number; resubscribeMs: number }>;
    const met = batched.length === options.rounds && median(batched.map((o) => Math.max(o.subscribeMs, o.resubscribeMs))) <= 1000;
    const markdown = [
      `## Subscribing to 10,000 channels at once`,
      '',
      `One client, one connection, 10,000 channels subscribed in one turn, then the socket cut and every channel resubscribed; the server (a separate process) with default limits but \`maxSubscriptions\` 20,000. Median (min–max) of ${options.rounds} round(s), from the first subscribe (or the drop) to the last \`subscribed\`.`,
      '',
      '| client | subscribe 10,000 | resubscribe 10,000 after a drop | runs that failed |',
      '|---|---|---|---|',
      row('rxwire, batch frames (1,000 subscribes per frame)', figures.batched!),
      row('rxwire, one frame per subscribe (an adapter without `batch`)', figures.unbatched!),
      '',
      `Server closes by code over all runs: ${JSON.stringify(closes.closes)}.`,
      '',
      `Target: both within the default limits in ≤ 1 s: **${met ? 'met' : 'not met'}**.`,
    ].join('\n');
    return { markdown, figures };
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : quick ? 1 : 5;
  runAsScript(runSubscribe({ quick, rounds }).then(({ markdown, figures }) => ({ markdown, data: figures })));
}
