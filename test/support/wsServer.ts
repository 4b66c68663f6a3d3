import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

/** One connection as the test server saw it. */
export interface SeenConnection {
  socket: WebSocket;
  request: IncomingMessage;
  received: unknown[];
  closeCode?: number;
}

/** A real `ws` server on 127.0.0.1 for integration tests, restartable on the same port. */
export class TestServer {
  readonly connections: SeenConnection[] = [];
  private wss: WebSocketServer | undefined;
  port = 0;

  constructor(private readonly onConnection: (connection: SeenConnection) => void = () => undefined) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/live`;
  }

  async start(): Promise<this> {
    const { wss, port } = await listen(this.port, (socket, request) => {
      const seen: SeenConnection = { socket, request, received: [] };
      this.connections.push(seen);
      socket.on('message', (data) => {
        const text = data.toString();
        try {
          seen.received.push(JSON.parse(text));
        } catch {
          seen.received.push(text);
        }
      });
      socket.on('close', (code) => (seen.closeCode = code));
      this.onConnection(seen);
    });
    this.wss = wss;
    this.port = port;
    return this;
  }

  /** Stops listening and drops every connection without a close frame (as a crash would). */
  async stop(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    await crash(wss);
  }
}

/**
 * Starts a `ws` server on 127.0.0.1 (`port` 0 picks a free one) that selects the
 * application subprotocol, never a `bearer.` token entry, and accepts every connection
 * with rxwire's `welcome` frame (unless `options.accept` is false).
 */
export async function listen(
  port: number,
  onConnection: (socket: WebSocket, request: IncomingMessage) => void,
  options: { accept?: boolean } = {},
): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port,
    handleProtocols: (protocols) => [...protocols].find((p) => !p.startsWith('bearer.')) ?? false,
  });
  wss.on('connection', (socket, request) => {
    // Accept the connection as an rxwire server does, unless told not to (a test of a
    // server that never accepts, or of what comes before acceptance).
    if (options.accept !== false) socket.send(JSON.stringify({ type: 'welcome', connection: 'test', ping: 30_000 }));
    onConnection(socket, request);
  });
  await once(wss, 'listening');
  return { wss, port: (wss.address() as AddressInfo).port };
}

/** Stops a server as a crash would: every connection dropped without a close frame. */
export async function crash(wss: WebSocketServer | undefined): Promise<void> {
  if (!wss) return;
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
