import { once } from 'node:events';
import WebSocket from 'ws';
import { createServer, memoryBroker, type Server } from '../../src/server';
import type { Broker } from '../../src/server/brokers/types';
import { smartHome } from '../support/smartHome';

// Records the example session of docs/protocol.md from a real run: rxwire's server, a
// raw `ws` client. `npx tsx test/docs/protocolSession.ts` prints it; protocolSession.spec.ts
// checks that the document shows what a run gives (epochs and the port aside).

/** A raw connection that logs every frame both ways. */
class Logged {
  private readonly queue: string[] = [];
  private wake: (() => void) | undefined;
  closed: Promise<void>;

  constructor(
    readonly socket: WebSocket,
    private readonly log: string[],
  ) {
    socket.on('message', (data) => {
      log.push(`← ${String(data)}`);
      this.queue.push(String(data));
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        log.push(`← close ${code}${reason.length > 0 ? ` "${String(reason)}"` : ''}`);
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  /** Sends `frame` and waits until `answers` more frames arrived. */
  async send(frame: unknown, answers = 0): Promise<void> {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.log.push(`→ ${text}`);
    this.socket.send(text);
    await this.receive(answers);
  }

  /** Waits until `n` more frames arrived (5 s at most). */
  receive(n: number): Promise<void> {
    return this.received(this.queue.length + n);
  }

  /** Waits until `target` frames arrived in all (5 s at most). */
  async received(target: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.queue.length < target && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.queue.length < target) throw new Error(`expected ${target} frames in all; the log so far:\n${this.log.join('\n')}`);
  }
}

/** Runs the session and returns its lines. */
export async function recordSession(): Promise<string[]> {
  const log: string[] = [];
  const note = (text: string): void => void log.push(`   … ${text} …`);
  let broker: Broker = memoryBroker({ historySize: 3 });
  const start = async (port: number): Promise<Server<typeof smartHome, { name: string }>> => {
    const server = await createServer({ protocol: smartHome, port, path: '/live', broker, authenticate: ({ token }) => (token === 'alice' ? { name: 'alice' } : undefined) });
    server.handle('setTarget', ({ target }) => ({ ok: true, target }));
    return server;
  };
  let server = await start(0);
  const { port } = server;
  const device = { id: 'oven-1' };
  const publish = (temperature: number) => server.publish('device', device, { id: 'oven-1', temperature });
  const connect = async (token: string): Promise<Logged> => {
    log.push(`   connect: GET /live, Sec-WebSocket-Protocol: rxwire, bearer.${token}`);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, ['rxwire', `bearer.${token}`]);
    socket.on('upgrade', (response) => log.push(`   ${response.statusCode} ${response.statusMessage}, Sec-WebSocket-Protocol: ${response.headers['sec-websocket-protocol']}`));
    const peer = new Logged(socket, log);
    await once(socket, 'open');
    await peer.received(1);
    return peer;
  };

  try {
    const { epoch } = await publish(178);
    await publish(179);
    note('two messages published to device {"id":"oven-1"} before anyone subscribed');
    let peer = await connect('alice');
    await peer.send({ type: 'sub', id: '1', channel: 'device', params: device }, 1);
    await publish(180);
    await peer.receive(1);
    await peer.send({ type: 'req', id: 'r1', name: 'setTarget', payload: { id: 'oven-1', target: 200 } }, 1);
    await peer.send({ type: 'req', id: 'r2', name: 'setTarget', payload: { id: 'oven-1', target: 'hot' } }, 1);
    await peer.send({ type: 'sub', id: '2', channel: 'kitchen', params: {} }, 1);
    await peer.send({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-2' } }, 1);
    await peer.send({ type: 'ping' }, 1);
    peer.socket.terminate();
    await peer.closed;
    log.pop(); // the local 1006 of a connection this side dropped
    note('the connection drops; two messages are published meanwhile');
    await publish(181);
    await publish(182);
    peer = await connect('alice');
    await peer.send({ type: 'sub', id: '1', channel: 'device', params: device, since: { epoch, offset: 3 } }, 3);
    await peer.send({ type: 'unsub', id: '1' });
    await peer.send({ type: 'ping' }, 1);
    peer.socket.terminate();
    await peer.closed;
    log.pop();
    note('gone longer: five messages published, the history keeps the last three');
    for (const temperature of [183, 184, 185, 186, 187]) await publish(temperature);
    peer = await connect('alice');
    await peer.send({ type: 'sub', id: '1', channel: 'device', params: device, since: { epoch, offset: 5 } }, 5);
    note('the server restarts with a fresh memoryBroker(): the history is gone');
    const closing = server.close();
    await peer.closed;
    await closing;
    await broker.close();
    broker = memoryBroker({ historySize: 3 });
    server = await start(port);
    await publish(150);
    peer = await connect('alice');
    await peer.send({ type: 'sub', id: '1', channel: 'device', params: device, since: { epoch, offset: 10 } }, 3);
    await peer.send({ type: 'hello' });
    await peer.closed;
    note('a refused token');
    log.push('   connect: GET /live, Sec-WebSocket-Protocol: rxwire, bearer.nobody');
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, ['rxwire', 'bearer.nobody']);
    socket.on('upgrade', (response) => log.push(`   ${response.statusCode} ${response.statusMessage}, Sec-WebSocket-Protocol: ${response.headers['sec-websocket-protocol']}`));
    await new Logged(socket, log).closed;
  } finally {
    await server.close();
    await broker.close();
  }
  return log;
}

/** Replaces what differs between runs (epochs, connection ids stay) with placeholders. */
export function normalize(lines: readonly string[]): string[] {
  const epochs = new Map<string, string>();
  return lines.map((line) =>
    line.replace(/"epoch":"([^"]+)"/g, (_match, epoch: string) => {
      if (!epochs.has(epoch)) epochs.set(epoch, `EPOCH${epochs.size + 1}`);
      return `"epoch":"${epochs.get(epoch)}"`;
    }),
  );
}

if (process.argv[1]?.endsWith('protocolSession.ts')) {
  recordSession().then(
    (lines) => {
      console.log(lines.join('\n'));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
