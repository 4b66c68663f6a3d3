import type { Server, Socket } from 'node:net';

/** Options of {@link createFaultProxy}. */
export interface FaultProxyOptions {
  /** Where the proxy forwards to. */
  target: {
    /** The target's host. @defaultValue '127.0.0.1' */
    host?: string;
    /** The target's port. */
    port: number;
  };
  /**
   * The loopback port the proxy listens on; 0 picks a free one.
   * @defaultValue 0
   */
  port?: number;
}

/** A TCP proxy on loopback that injects network faults between a client and a server. */
export interface FaultProxy {
  /** The port to connect to instead of the target's. */
  readonly port: number;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Destroys every open connection at once (both sides see a reset or an abrupt end). */
  drop(): void;
  /**
   * Stops forwarding in both directions while keeping every TCP connection open: a
   * half-open connection, which only a heartbeat can detect. `false` forwards again
   * (what was held back is then discarded, as a real black hole would have lost it).
   */
  blackhole(on: boolean): void;
  /** Delays every chunk by `ms` plus a random 0..`jitter` ms, in order. */
  latency(ms: number, jitter?: number): void;
  /** Limits each direction of each connection to `bytesPerSecond` (0 for no limit). */
  throttle(bytesPerSecond: number): void;
  /**
   * Cuts every connection in the middle of the next chunk the server sends: the
   * client gets part of a frame, then the connection ends.
   */
  cutMidFrame(): void;
  /** Refuses new connections (`true`) or accepts them again (`false`). */
  refuse(on: boolean): void;
  /** Stops the proxy and destroys every connection. */
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  server: Socket;
}

/** The faults switched on now, shared by every connection. */
interface Faults {
  holes: boolean;
  delay: { ms: number; jitter: number };
  rate: number;
  cutNext: boolean;
  refusing: boolean;
}

/** Forwards one direction of a connection, through the faults switched on when each chunk arrives. */
function forward(from: Socket, to: Socket, fromServer: boolean, faults: Faults): void {
  let queue = Promise.resolve();
  const pace = pacer(faults);
  from.on('data', (chunk: Buffer) => {
    if (faults.holes) return;
    if (fromServer && faults.cutNext && chunk.length > 1) {
      faults.cutNext = false;
      to.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))), () => {
        to.destroy();
        from.destroy();
      });
      return;
    }
    const wait = faults.delay.ms + (faults.delay.jitter ? Math.random() * faults.delay.jitter : 0);
    queue = queue.then(async () => {
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (faults.rate > 0) await pace(chunk.length);
      if (!to.destroyed && !faults.holes) to.write(chunk);
    });
  });
}

/** Waits, per one-second window, until `bytes` more fit in the bandwidth limit. */
function pacer(faults: Faults): (bytes: number) => Promise<void> {
  let sentThisSecond = 0;
  let windowStart = Date.now();
  return async (bytes) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      sentThisSecond = 0;
    }
    sentThisSecond += bytes;
    if (sentThisSecond > faults.rate) {
      const pause = (sentThisSecond / faults.rate) * 1000 - (now - windowStart);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
}

/**
 * A fault-injecting TCP proxy on 127.0.0.1 for testing real-time apps against a bad
 * network: drop connections, black-hole them (half-open), add latency and jitter,
 * throttle bandwidth, cut a connection in the middle of a frame, refuse new ones.
 * Every fault can be scripted from a test. Node only.
 *
 * @example
 * ```ts
 * const proxy = await createFaultProxy({ target: { port: server.port } });
 * const client = createClient({ url: `ws://127.0.0.1:${proxy.port}`, WebSocketCtor: WebSocket });
 * proxy.blackhole(true); // the client's heartbeat must notice within interval + timeout
 * ```
 */
export async function createFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  // Imported lazily so that rxwire/testing's fake WebSocket still loads in a browser.
  const net = await import('node:net');
  const { target, port = 0 } = options;
  const pipes = new Set<Pipe>();
  const faults: Faults = { holes: false, delay: { ms: 0, jitter: 0 }, rate: 0, cutNext: false, refusing: false };

  const server: Server = net.createServer((client) => {
    if (faults.refusing) return client.destroy();
    const upstream = net.connect({ host: target.host ?? '127.0.0.1', port: target.port });
    const pipe = { client, server: upstream };
    pipes.add(pipe);
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream, false, faults);
    forward(upstream, client, true, faults);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const listening = (server.address() as { port: number }).port;

  const dropAll = () => {
    for (const pipe of [...pipes]) {
      pipe.client.destroy();
      pipe.server.destroy();
    }
    pipes.clear();
  };

  return {
    port: listening,
    get connections() {
      return pipes.size;
    },
    drop: dropAll,
    blackhole(on) {
      faults.holes = on;
    },
    latency(ms, jitter = 0) {
      faults.delay = { ms, jitter };
    },
    throttle(bytesPerSecond) {
      faults.rate = bytesPerSecond;
    },
    cutMidFrame() {
      faults.cutNext = true;
    },
    refuse(on) {
      faults.refusing = on;
    },
    async close() {
      faults.refusing = true;
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
