/** What the scale benchmark's processes share: child processes read line by line, a clock, statistics. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

export const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const tsx = ['--import', 'tsx'];

/** Wall-clock ms with sub-ms resolution, the same in every process of the host. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** `feed` with no params: `n` numbers measured messages (warm-ups -1), `t` the publish time, `boot` the server's start. */
export const scaleProtocol = defineProtocol({
  channels: { feed: { params: t.type({}), message: t.type({ n: t.number, t: t.number, boot: t.number }) } },
});

/** Children still running, killed when this process exits, however it exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

/** A child process read line by line, with a timeout on every wait. */
export class Child {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private stderr = '';
  private ended: string | undefined;
  private readonly closed: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
  ) {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    this.closed = new Promise((done) =>
      child.on('close', (code, signal) => {
        running.delete(child);
        this.ended = `exited (${signal ?? `code ${code}`})`;
        this.wake?.();
        done();
      }),
    );
    child.on('error', (error) => {
      running.delete(child);
      this.ended = `failed: ${error.message}`;
      this.wake?.();
    });
    child.stdin!.on('error', () => undefined);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake?.();
    });
    child.stderr!.on('data', (data: Buffer) => (this.stderr = (this.stderr + String(data)).slice(-2000)));
  }

  private failure(what: string): Error {
    return new Error(`${this.name}: ${what}${this.stderr ? `\n--- its stderr (end) ---\n${this.stderr.trim()}` : ''}`);
  }

  async line(ms: number, what: string): Promise<string> {
    const deadline = performance.now() + ms;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.ended) throw this.failure(`${this.ended} before ${what}`);
      const left = deadline - performance.now();
      if (left <= 0) throw this.failure(`no ${what} within ${ms} ms`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      this.wake = undefined;
    }
  }

  async json<T>(ms: number, what: string): Promise<T> {
    const line = await this.line(ms, what);
    let value: T & { error?: string };
    try {
      value = JSON.parse(line) as T & { error?: string };
    } catch {
      throw this.failure(`wrote "${line.slice(0, 200)}" instead of ${what}`);
    }
    if (value.error !== undefined) throw this.failure(`${value.error} (${what})`);
    return value;
  }

  send(command: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  async command<T>(command: unknown, ms: number, what: string): Promise<T> {
    this.send(command);
    return this.json<T>(ms, what);
  }

  /** Stops it: closes its stdin (our children exit on that) or kills it; SIGKILL if it lingers. */
  async stop(kill = false): Promise<void> {
    if (this.ended) return;
    if (kill) this.child.kill('SIGKILL');
    else this.child.stdin!.end();
    const gone = await Promise.race([this.closed.then(() => true), sleep(3000, false)]);
    if (gone) return;
    this.child.kill('SIGKILL');
    await Promise.race([this.closed, sleep(3000)]);
  }
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A latency histogram in 0.1 ms buckets up to 60 s (the last bucket holds everything beyond). */
export const BUCKETS = 600_000;
export const bucketOf = (ms: number): number => Math.min(BUCKETS - 1, Math.max(0, Math.round(ms * 10)));

/** Sparse form of a histogram: [bucket, count] pairs. */
export function sparse(histogram: Uint32Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i]) out.push([i, histogram[i]!]);
  return out;
}

/** The value (ms) at quantile q of merged sparse histograms (nearest rank). */
export function histogramQuantile(parts: Array<Array<[number, number]>>, q: number): number {
  const merged = new Map<number, number>();
  let total = 0;
  for (const part of parts)
    for (const [b, c] of part) {
      merged.set(b, (merged.get(b) ?? 0) + c);
      total += c;
    }
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of [...merged.keys()].sort((x, y) => x - y)) {
    seen += merged.get(b)!;
    if (seen >= rank) return b / 10;
  }
  return NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
