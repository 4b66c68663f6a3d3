import type { WebSocketServer, WebSocket } from 'ws';
import { crash, listen } from './wsServer';

/**
 * A test fixture that speaks rxwire's JSON envelope (docs/protocol.md) on a real `ws`
 * server: sequence numbers per channel and params, a bounded history for `since`,
 * gap answers, request handlers, refusals. Its history survives a restart, as a real
 * server's broker would.
 */
export class EnvelopeServer {
  port = 0;
  readonly frames: unknown[] = [];
  private wss: WebSocketServer | undefined;
  private readonly streams = new Map<string, { seq: number; history: Array<{ seq: number; data: unknown }> }>();
  private readonly subscribers = new Map<WebSocket, Map<string, string>>(); // socket -> sub id -> stream key

  constructor(
    private readonly options: {
      historyLimit?: number;
      forbidden?: (channel: string, params: unknown) => boolean;
      handlers?: Record<string, (payload: any) => unknown>;
    } = {},
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const { wss, port } = await listen(this.port, (socket) => {
      this.subscribers.set(socket, new Map());
      socket.on('message', (raw) => this.onFrame(socket, String(raw)));
      socket.on('close', () => this.subscribers.delete(socket));
    });
    this.wss = wss;
    this.port = port;
    return this;
  }

  /** Stops as a crash would; the history is kept for the next start. */
  async stop(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    await crash(wss);
  }

  publish(channel: string, params: unknown, data: unknown): number {
    const key = `${channel}|${JSON.stringify(params)}`;
    const stream = this.stream(key);
    const seq = ++stream.seq;
    stream.history.push({ seq, data });
    if (stream.history.length > (this.options.historyLimit ?? 100)) stream.history.shift();
    for (const [socket, subs] of this.subscribers) {
      for (const [id, k] of subs) if (k === key) socket.send(JSON.stringify({ type: 'msg', id, seq, data }));
    }
    return seq;
  }

  emit(name: string, data: unknown): void {
    for (const socket of this.subscribers.keys()) socket.send(JSON.stringify({ type: 'event', name, data }));
  }

  private stream(key: string) {
    let stream = this.streams.get(key);
    if (!stream) this.streams.set(key, (stream = { seq: 0, history: [] }));
    return stream;
  }

  private onFrame(socket: WebSocket, raw: string): void {
    const frame = JSON.parse(raw);
    this.frames.push(frame);
    const send = (value: unknown) => socket.send(JSON.stringify(value));
    switch (frame.type) {
      case 'ping':
        return send({ type: 'pong' });
      case 'sub': {
        if (this.options.forbidden?.(frame.channel, frame.params)) {
          return send({ type: 'error', id: frame.id, code: 'FORBIDDEN', message: 'not allowed' });
        }
        const key = `${frame.channel}|${JSON.stringify(frame.params)}`;
        const stream = this.stream(key);
        this.subscribers.get(socket)!.set(frame.id, key);
        send({ type: 'subscribed', id: frame.id, seq: stream.seq });
        if (typeof frame.since === 'number' && frame.since < stream.seq) {
          const oldest = stream.history[0]?.seq ?? stream.seq + 1;
          if (oldest > frame.since + 1) send({ type: 'gap', id: frame.id, from: frame.since + 1, to: oldest - 1 });
          for (const { seq, data } of stream.history) if (seq > frame.since) send({ type: 'msg', id: frame.id, seq, data });
        }
        return;
      }
      case 'unsub':
        this.subscribers.get(socket)!.delete(frame.id);
        return;
      case 'req': {
        const handler = this.options.handlers?.[frame.name];
        if (!handler) return send({ type: 'res', id: frame.id, error: { code: 'NOT_FOUND', message: `no handler for ${frame.name}` } });
        try {
          return send({ type: 'res', id: frame.id, data: handler(frame.payload) });
        } catch (error) {
          return send({ type: 'res', id: frame.id, error: { code: 'FAILED', message: (error as Error).message, data: (error as { data?: unknown }).data } });
        }
      }
    }
  }
}
