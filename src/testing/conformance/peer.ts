import type { WebSocket as WsSocket } from 'ws';
import { Broken } from './broken';

/** A frame as the kit received it: the parsed JSON, or the text that did not parse. */
export type Frame = Record<string, unknown> & { readonly type?: unknown };

/** How a connection attempt ended: open, or refused (HTTP status, close code, error). */
export type Attempt =
  | { readonly kind: 'open'; readonly peer: RawPeer }
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'error'; readonly message: string };

/** How a connection is opened. */
export interface Dial {
  readonly url: string;
  readonly protocols?: readonly string[];
  readonly headers?: Record<string, string>;
  /** Answer native pings. @defaultValue true */
  readonly autoPong?: boolean;
  readonly timeout: number;
}

type WsClass = typeof import('ws').WebSocket;
let ws: Promise<WsClass> | undefined;

/** `ws`'s WebSocket, loaded on first use: the kit is Node-only, the rest of rxwire/testing is not. */
function loadWs(): Promise<WsClass> {
  return (ws ??= import('ws').then((module) => module.WebSocket ?? (module as unknown as { default: WsClass }).default));
}

/** Opens a WebSocket, bounded by `dial.timeout`. Never rejects. */
export async function dial(dialing: Dial): Promise<Attempt> {
  const WebSocket = await loadWs();
  return new Promise((resolve) => {
    let socket: WsSocket;
    try {
      socket = new WebSocket(dialing.url, [...(dialing.protocols ?? [])], { headers: dialing.headers, autoPong: dialing.autoPong ?? true, handshakeTimeout: dialing.timeout });
    } catch (error) {
      return resolve({ kind: 'error', message: String((error as Error).message ?? error) });
    }
    const peer = new RawPeer(socket);
    const timer = setTimeout(() => {
      socket.terminate();
      resolve({ kind: 'error', message: `no answer to the upgrade within ${dialing.timeout} ms` });
    }, dialing.timeout);
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      resolve({ kind: 'http', status: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'open', peer });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', message: error.message });
    });
  });
}

/** What a closed connection reported. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A connection as the kit drives it: frames queued in order, awaited with timeouts. */
export class RawPeer {
  private readonly queue: Frame[] = [];
  private wake: (() => void) | undefined;
  /** Set once the connection closed. */
  closedWith: Closed | undefined;
  /** Native pings received. */
  pings = 0;
  /**
   * Whether this peer asked for batched answers: a server `batch` frame is then read as
   * the frames it carries, each queued as if it had come alone. Otherwise it is queued
   * as it came (a frame the rules that did not ask can see, and fail on).
   */
  readsBatches = false;
  /** The server `batch` frames read (with {@link readsBatches}): their UTF-8 size, and what was wrong with each that was malformed. */
  readonly batches: Array<{ readonly bytes: number; readonly wrong: string | undefined }> = [];
  /** Server `batch` frames that came although this peer did not ask for batched answers. */
  unaskedBatches = 0;

  constructor(readonly socket: WsSocket) {
    socket.on('message', (data, binary) => {
      const text = String(data);
      let frame: Frame;
      try {
        const parsed: unknown = JSON.parse(text);
        frame = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Frame) : { type: undefined, notAnObject: text };
      } catch {
        frame = { type: undefined, notJson: text };
      }
      if (binary) frame = { ...frame, binary: true };
      if (frame.type === 'batch' && this.readsBatches) this.unbatch(frame, text);
      else this.queue.push(frame);
      if (frame.type === 'batch' && !this.readsBatches) this.unaskedBatches += 1;
      this.poke();
    });
    socket.on('ping', () => {
      this.pings += 1;
      this.poke();
    });
    socket.on('close', (code, reason) => {
      this.closedWith = { code, reason: String(reason) };
      this.poke();
    });
    socket.on('error', () => undefined);
  }

  /** The subprotocol the server selected (`''` for none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  send(frame: unknown): void {
    if (this.socket.readyState !== 1) return;
    this.socket.send(typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame), { binary: frame instanceof Uint8Array });
  }

  /**
   * The next frame that `matches`, taken out of the queue (others stay, in order);
   * throws {@link Broken} saying `what` was awaited when none comes within `timeout`,
   * or the connection closes first.
   */
  async take(matches: (frame: Frame) => boolean, what: string, timeout: number): Promise<Frame> {
    const found = await this.until(() => {
      const index = this.queue.findIndex(matches);
      return index < 0 ? undefined : this.queue.splice(index, 1)[0];
    }, timeout);
    if (found) return found;
    throw new Broken(`expected ${what}; ${this.closedWith ? `the connection closed with ${describeClose(this.closedWith)}` : `nothing came within ${timeout} ms`}${this.seen()}`);
  }

  /** The next frame whatever it is, as {@link take}. */
  next(what: string, timeout: number): Promise<Frame> {
    return this.take(() => true, what, timeout);
  }

  /** Waits `ms` and returns (and takes) the frames that arrived and `match`. */
  async quiet(ms: number, match: (frame: Frame) => boolean = () => true): Promise<Frame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const found = this.queue.filter(match);
    for (const frame of found) this.queue.splice(this.queue.indexOf(frame), 1);
    return found;
  }

  /** Resolves with the close once the connection closed; throws {@link Broken} after `timeout`. */
  async closed(what: string, timeout: number): Promise<Closed> {
    const closed = await this.until(() => this.closedWith, timeout);
    if (closed) return closed;
    throw new Broken(`expected ${what}; the connection was still open after ${timeout} ms${this.seen()}`);
  }

  /** Resolves once `n` native pings arrived; false after `timeout`. */
  async pinged(n: number, timeout: number): Promise<boolean> {
    return (await this.until(() => (this.pings >= n ? true : undefined), timeout)) === true;
  }

  /** Ends the connection without a handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  /**
   * Queues the frames a server `batch` carries, noting what is wrong with it if anything
   * is; a batch without an array of frames is queued as it came, for the detail.
   */
  private unbatch(batch: Frame, text: string): void {
    const frames = batch.frames;
    const bytes = Buffer.byteLength(text);
    if (!Array.isArray(frames)) {
      this.batches.push({ bytes, wrong: '`frames` is not an array' });
      return void this.queue.push(batch);
    }
    const bad = frames.find((f: unknown) => typeof f !== 'object' || f === null || Array.isArray(f) || typeof (f as Frame).type !== 'string' || (f as Frame).type === 'batch');
    this.batches.push({ bytes, wrong: bad === undefined ? undefined : `it carries ${truncate(JSON.stringify(bad) ?? String(bad), 80)}, not a frame of the protocol` });
    for (const frame of frames as unknown[]) if (typeof frame === 'object' && frame !== null && !Array.isArray(frame)) this.queue.push(frame as Frame);
  }

  /** The frames still queued, for a broken rule's detail. */
  private seen(): string {
    if (this.queue.length === 0) return '';
    const shown = this.queue.slice(0, 3).map((frame) => truncate(JSON.stringify(frame), 200));
    return ` (received instead: ${shown.join(', ')}${this.queue.length > 3 ? ', …' : ''})`;
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Re-evaluates `probe` whenever something arrives, until it gives a value or `timeout` passes. */
  private async until<T>(probe: () => T | undefined, timeout: number): Promise<T | undefined> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      // Nothing more arrives on a closed connection.
      if (left <= 0 || this.closedWith) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/** `4401 "unauthorized"`. */
export function describeClose(closed: Closed): string {
  return closed.reason ? `${closed.code} "${truncate(closed.reason, 80)}"` : String(closed.code);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
