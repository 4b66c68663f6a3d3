/**
 * What every benchmark client process shares: reading its arguments, writing its JSON
 * lines, measuring the heap, exiting with its parent, and the delivery accounting of the
 * fan-out clients.
 */

/** A parser of one command-line argument (undefined when it was not given). */
type Parse<T> = (arg: string | undefined) => T;

/** An argument as it is. */
export const asIs: Parse<string> = (arg) => arg!;

/**
 * The process's arguments after the script, named and parsed in the order of `spec`'s keys:
 * `args({ url: asIs, clients: Number })` reads `<url> <clients>`.
 */
export function args<S extends Record<string, Parse<unknown>>>(spec: S): { [K in keyof S]: ReturnType<S[K]> } {
  const values = process.argv.slice(2);
  return Object.fromEntries(Object.entries(spec).map(([name, parse], i) => [name, parse(values[i])])) as { [K in keyof S]: ReturnType<S[K]> };
}

/** Writes `value` as one JSON line on stdout; `then` runs once it is written. */
export function say(value: unknown, then?: () => void): void {
  process.stdout.write(`${JSON.stringify(value)}\n`, then);
}

/** Prints the result line and exits. */
export function report(result: Record<string, unknown>): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const gc = (globalThis as { gc?: () => void }).gc;

/** The heap in use after two forced GCs (when run with --expose-gc). */
export function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Exits when stdin closes, so that a client process never outlives the benchmark. */
export function exitWithStdin(): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

/**
 * The deliveries of a fan-out client process: per client, its warm-up messages (until
 * `warmups` of them), then `count` measured ones. Prints `{"ready":true}` once every client
 * is warmed up, and finishes once every client got `count` measured messages or, after
 * the first, nothing arrived for `idle` ms.
 */
export class FanoutDeliveries {
  readonly expected: number;
  deliveries = 0;
  unexpected = 0;
  /** The wall-clock time of the last measured delivery. */
  last = 0;
  private readonly perClient: Uint32Array;
  private readonly warm: Uint32Array;
  private warmedClients = 0;
  private lastArrival = 0;
  private finished = false;

  constructor(
    readonly clients: number,
    readonly count: number,
    private readonly warmups: number,
    idle: number,
    private readonly onFinish: (reason: string) => void,
  ) {
    this.expected = clients * count;
    this.perClient = new Uint32Array(clients);
    this.warm = new Uint32Array(clients);
    // Bounded: report what arrived once nothing has for `idle` ms after the first measured message.
    setInterval(() => {
      if (this.deliveries > 0 && performance.now() - this.lastArrival > idle) this.finish('idle');
    }, 100).unref();
  }

  /** How many clients got fewer than `count` measured messages. */
  get short(): number {
    return this.perClient.reduce((n, got) => n + (got < this.count ? 1 : 0), 0);
  }

  /** Client `i` got a warm-up message. */
  warmUp(i: number): void {
    this.warm[i] = this.warm[i]! + 1;
    if (this.warm[i] === this.warmups && ++this.warmedClients === this.clients) say({ ready: true });
  }

  /**
   * Client `i` got a measured message at wall-clock time `at`: `record` is given its
   * delivery number, unless it came before the start or one too many.
   */
  measured(i: number, at: number, record: (delivery: number) => void): void {
    if (this.warmedClients < this.clients || this.perClient[i]! >= this.count) {
      this.unexpected += 1;
      return;
    }
    this.perClient[i] = this.perClient[i]! + 1;
    record(this.deliveries++);
    this.last = at;
    this.lastArrival = performance.now();
    if (this.deliveries === this.expected) this.finish('complete');
  }

  private finish(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish(reason);
  }
}

/**
 * Opens `count` connections with `open(i)`, at most `concurrency` at a time, then says
 * `{ connected: count }`; on a failure says the error and exits 1. Then waits for stdin to close.
 */
export async function connectAll(count: number, concurrency: number, open: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await open(next++);
    }));
  } catch (error) {
    say({ error: `connecting: ${(error as Error).message}` }, () => process.exit(1));
    return new Promise(() => undefined);
  }
  say({ connected: count });
  exitWithStdin();
}
