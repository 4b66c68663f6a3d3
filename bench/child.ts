/** A child process read line by line, with a timeout on every wait: what the benchmarks' runners share. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

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


/**
 * Sends warm-up batches (`sendBatch`, then `pause` ms) until every client process printed
 * its ready line; fails after `maxBatches` batches, 60 s, or a process that failed.
 */
export async function warmUp(procs: readonly Child[], sendBatch: () => Promise<unknown>, options: { what: string; maxBatches: number; pause: number }): Promise<void> {
  let ready = 0;
  let failed: unknown;
  const readiness = Promise.all(procs.map((c) => c.json(60_000, 'its ready line').then(() => (ready += 1))));
  readiness.catch((error: unknown) => (failed = error));
  const deadline = performance.now() + 60_000;
  for (let batch = 0; ready < procs.length; batch++) {
    if (failed) throw failed;
    if (batch >= options.maxBatches || performance.now() > deadline) {
      throw new Error(`${options.what}: the clients were not all warmed up within 60 s (${ready}/${procs.length} processes ready)`);
    }
    await sendBatch();
    await sleep(options.pause);
  }
  await readiness;
}
