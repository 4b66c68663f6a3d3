// Runs in the browser page, not in Node: support.ts bundles this file with esbuild
// (platform browser) into the script the page loads. It reaches rxwire only through
// its public browser entry point (src/index.ts), as an app's bundle would.
import * as rxwire from '../../src/index';
import type { Client, ClientHeartbeatOptions, ConnectionState, GapNotice, ReconnectConfig, TokenContext } from '../../src/index';
import { smartHome } from '../support/smartHome';

/** An error as the page saw it, made plain to cross into Node. */
export interface PageError {
  readonly name: string;
  readonly kind: string | undefined;
  readonly code: number | undefined;
  readonly message: string;
}

/** One value of `state$`, made plain. */
export interface PageState {
  readonly status: ConnectionState['status'];
  readonly attempt?: number;
  readonly delay?: number;
  readonly code?: number;
  readonly final?: boolean;
  /** The subprotocol the server selected, for `open`. */
  readonly protocol?: string;
  readonly error?: PageError;
  /** `performance.now()` when it was published. */
  readonly at: number;
}

/** What the page's client did so far. */
export interface PageRecord {
  readonly states: PageState[];
  readonly errors: PageError[];
  /** The temperatures delivered on channel `device` `{ id: 'oven-1' }`, in order. */
  readonly temperatures: number[];
  readonly gaps: GapNotice[];
  /** What the token function was called with, once per call. */
  readonly tokens: TokenContext[];
  /** How the channel ended, if it did. */
  channelError: PageError | undefined;
  /** `online` / `offline` events of the window, with `performance.now()`. */
  readonly network: Array<{ type: string; at: number }>;
}

/** Options of {@link start}: plain data, as they cross from Node. */
export interface PageClientOptions {
  readonly url: string;
  /**
   * Authentication, none when absent. The token function returns `token` (a cached
   * token) unless it is told to refresh, and then `refreshed`, when given.
   */
  readonly auth?: { readonly token: string; readonly refreshed?: string; readonly via?: 'protocol' | 'query' };
  readonly heartbeat?: ClientHeartbeatOptions | false;
  readonly reconnect?: Omit<ReconnectConfig, 'scheduler' | 'onRetry' | 'shouldRetry' | 'online$' | 'random'>;
  readonly connectTimeout?: number;
}

let client: Client<typeof smartHome> | undefined;
let record: PageRecord | undefined;

function plain(error: unknown): PageError {
  const e = error as { name?: unknown; kind?: unknown; code?: unknown; message?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : typeof error,
    kind: typeof e?.kind === 'string' ? e.kind : undefined,
    code: typeof e?.code === 'number' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

/**
 * Creates the page's one client, subscribes to `device` `{ id: 'oven-1' }` and records
 * everything it publishes in {@link snapshot}.
 */
export function start(options: PageClientOptions): void {
  const { url, auth, heartbeat, reconnect, connectTimeout } = options;
  const rec: PageRecord = { states: [], errors: [], temperatures: [], gaps: [], tokens: [], channelError: undefined, network: [] };
  record = rec;
  for (const type of ['online', 'offline']) window.addEventListener(type, () => rec.network.push({ type, at: performance.now() }));
  const c = rxwire.createClient({
    url,
    protocol: smartHome,
    ...(auth
      ? {
          auth: {
            via: auth.via,
            token: (context: TokenContext) => {
              rec.tokens.push({ ...context });
              return context.refresh && auth.refreshed !== undefined ? auth.refreshed : auth.token;
            },
          },
        }
      : {}),
    ...(heartbeat !== undefined ? { heartbeat } : {}),
    ...(reconnect !== undefined ? { reconnect } : {}),
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
  });
  client = c;
  c.state$.subscribe((s) =>
    rec.states.push({
      status: s.status,
      ...('attempt' in s ? { attempt: s.attempt } : {}),
      ...('delay' in s ? { delay: s.delay } : {}),
      ...('code' in s && s.code !== undefined ? { code: s.code } : {}),
      ...('final' in s ? { final: s.final } : {}),
      ...('protocol' in s ? { protocol: s.protocol } : {}),
      ...('error' in s && s.error !== undefined ? { error: plain(s.error) } : {}),
      at: performance.now(),
    }),
  );
  c.errors$.subscribe((e) => rec.errors.push(plain(e)));
  c.gaps$.subscribe((g) => rec.gaps.push(g));
  c.channel('device', { id: 'oven-1' }).subscribe({
    next: (m) => rec.temperatures.push(m.temperature),
    error: (e: unknown) => (rec.channelError = plain(e)),
  });
}

/** What the page's second client, of many channels, saw: see {@link startMany}. */
export interface ManyRecord {
  /** The temperatures delivered per device id, in order. */
  readonly temperatures: Record<string, number[]>;
  /** How many frames its socket received, as they came, before the client read them. */
  framesIn: number;
  /** How many of those were server `batch` frames. */
  batchesIn: number;
  /** The frames its socket sent that asked for batched answers. */
  batchRequestsOut: number;
  /** What its `errors$` reported. */
  readonly errors: PageError[];
  /** How its channels ended, if any did. */
  readonly channelErrors: PageError[];
}

let many: ManyRecord | undefined;

/**
 * Starts a second client that subscribes to `device` for each of `ids` in one turn, as
 * an app showing many devices at once does. Its WebSocket is the browser's own, wrapped
 * only to count the frames as they cross (given as `WebSocketCtor`, as an app may).
 */
export function startMany(url: string, ids: readonly string[]): void {
  const rec: ManyRecord = { temperatures: {}, framesIn: 0, batchesIn: 0, batchRequestsOut: 0, errors: [], channelErrors: [] };
  many = rec;
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.addEventListener('message', (event: MessageEvent) => {
        rec.framesIn += 1;
        if (typeof event.data === 'string' && event.data.startsWith('{"type":"batch"')) rec.batchesIn += 1;
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === 'string' && data.startsWith('{"type":"batch"') && data.includes('"reply":"batch"')) rec.batchRequestsOut += 1;
      super.send(data);
    }
  }
  const c = rxwire.createClient({ url, protocol: smartHome, WebSocketCtor: CountingWebSocket });
  c.errors$.subscribe((e) => rec.errors.push(plain(e)));
  for (const id of ids) {
    rec.temperatures[id] = [];
    c.channel('device', { id }).subscribe({
      next: (m) => rec.temperatures[id]!.push(m.temperature),
      error: (e: unknown) => rec.channelErrors.push(plain(e)),
    });
  }
}

/** A copy of what the many-channel client did so far. */
export function manySnapshot(): ManyRecord {
  if (!many) throw new Error('startMany() was not called');
  return JSON.parse(JSON.stringify(many)) as ManyRecord;
}

/** A copy of what the page's client did so far. */
export function snapshot(): PageRecord {
  if (!record) throw new Error('start() was not called');
  return JSON.parse(JSON.stringify(record)) as PageRecord;
}

/** Sends `setTarget` and resolves with the reply. */
export function request(id: string, target: number): Promise<unknown> {
  return new Promise((resolve, reject) => client!.request('setTarget', { id, target }, { timeout: 5000 }).subscribe({ next: resolve, error: reject }));
}

/** Closes the page's client. */
export function stop(): void {
  client?.close();
}

// Timer throttling as a hidden tab gets it: Chrome runs the timers of a background page
// at most once per wake-up (once a second, and once a minute under intensive
// throttling), while WebSocket frames are still delivered as they come. The page's
// timer functions are wrapped from the start (RxJS's scheduler reuses a timer it created
// earlier); `stallTimers` holds back every callback due for a while and then runs each
// held timer once, as a late wake-up does. Date.now() and performance.now() run on.
type Schedule = (handler: () => void, timeout?: number) => number;
type Cancel = (id?: number) => void;
// Typed loosely on purpose: the program sees Node's timer types beside the DOM's.
const timers = window as unknown as Record<'setTimeout' | 'setInterval', Schedule> & Record<'clearTimeout' | 'clearInterval', Cancel>;
const real = {
  setTimeout: timers.setTimeout.bind(window),
  setInterval: timers.setInterval.bind(window),
  clearTimeout: timers.clearTimeout.bind(window),
  clearInterval: timers.clearInterval.bind(window),
};
const held = new Map<number, () => void>();
let stalled = false;

function wrap(schedule: Schedule): (handler: unknown, timeout?: number, ...args: unknown[]) => number {
  return (handler, timeout, ...args) => {
    const run = (): void => {
      if (typeof handler === 'function') (handler as (...a: unknown[]) => void)(...args);
    };
    const id = schedule(() => {
      if (stalled) held.set(id, run);
      else run();
    }, timeout);
    return id;
  };
}
function unwrap(cancel: Cancel): Cancel {
  return (id) => {
    if (id !== undefined) held.delete(id);
    cancel(id);
  };
}
timers.setTimeout = wrap(real.setTimeout);
timers.setInterval = wrap(real.setInterval);
timers.clearTimeout = unwrap(real.clearTimeout);
timers.clearInterval = unwrap(real.clearInterval);

/**
 * Holds back every timer of the page for `ms` milliseconds, then runs each held timer
 * once. Resolves after that wake-up.
 */
export function stallTimers(ms: number): Promise<void> {
  stalled = true;
  return new Promise((resolve) =>
    real.setTimeout(() => {
      stalled = false;
      const due = [...held.values()];
      held.clear();
      for (const run of due) run();
      resolve();
    }, ms),
  );
}

/** Blocks the page's main thread for `ms` milliseconds: no timer, no frame, nothing runs. */
export function busy(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins += 1;
  return spins;
}

const api = { start, snapshot, request, stop, stallTimers, busy, startMany, manySnapshot };

declare global {
  interface Window {
    /** rxwire's public browser entry point, as the test page loaded it. */
    rxwire: typeof rxwire;
    /** The test page's helpers. */
    rxwirePage: typeof api;
  }
}

window.rxwire = rxwire;
// The exports are on `window` too, as a script-tag build would put them.
Object.assign(window, rxwire);
window.rxwirePage = api;
