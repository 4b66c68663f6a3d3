/**
 * The benchmark's server, in its own process. Speaks just enough of rxwire's envelope:
 * answers `sub` with `subscribed` (a `batch` that asks for it with one `batch` of them),
 * and on `{"type":"start","count":N}` sends N `msg` frames spread round-robin over the
 * connection's subscriptions (over the first `hot` of them when given; over id "1" when
 * there are none, for raw clients). With `readings: R`
 * each message carries R numbers instead of a temperature (the message-size cases).
 * Frames are pre-built and written in large batches so that the server is never the
 * bottleneck.
 */
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { textFrame } from '../src/server/ws/frames';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });


/** A readings array of `n` numbers, as JSON (about 6 bytes a number), built once per size. */
const readingsJson = new Map<number, string>();
function readingsOf(n: number): string {
  let json = readingsJson.get(n);
  if (json === undefined) readingsJson.set(n, (json = `[${Array.from({ length: n }, (_, i) => (20 + (i % 100) / 4).toFixed(2)).join(',')}]`));
  return json;
}

async function blast(socket: WebSocket, ids: string[], seqs: Map<string, number>, count: number, readings: number): Promise<void> {
  const raw = (socket as unknown as { _socket: import('node:net').Socket })._socket;
  const BATCH = 2000;
  for (let start = 0; start < count; start += BATCH) {
    const parts: Buffer[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = ids[i % ids.length]!;
      const seq = (seqs.get(id) ?? 0) + 1;
      seqs.set(id, seq);
      const temperature = 20 + (i % 200) / 10;
      const data = readings > 0 ? `{"id":"dev-${i % 10000}","readings":${readingsOf(readings)}}` : `{"id":"dev-${i % 10000}","temperature":${temperature},"unit":"celsius"}`;
      parts.push(textFrame(`{"type":"msg","id":"${id}","offset":${seq},"data":${data}}`));
    }
    if (!raw.write(Buffer.concat(parts))) await new Promise((resolve) => raw.once('drain', resolve));
  }
}

wss.on('connection', (socket) => {
  // Accept as an rxwire server does: rxwire's client is open (and subscribes) only after this.
  socket.send(JSON.stringify({ type: 'welcome', connection: 'bench', ping: 30_000 }));
  const ids: string[] = [];
  // Offsets run on across batches, as a real channel's do.
  const seqs = new Map<string, number>();
  const subscribed = (id: string) => JSON.stringify({ type: 'subscribed', id, epoch: 'bench', offset: 0 });
  const subscribe = (message: { id: string }) => {
    ids.push(message.id);
    socket.send(subscribed(message.id));
  };
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'sub') {
      subscribe(message);
    } else if (message.type === 'batch') {
      // Subscriptions made in one turn come as one batch frame (the client's control
      // batching); as rxwire's server, the answers go in one batch when it asks for it.
      if (message.reply !== 'batch') {
        for (const frame of message.frames) if (frame.type === 'sub') subscribe(frame);
        return;
      }
      const answers: string[] = [];
      for (const frame of message.frames) {
        if (frame.type !== 'sub') continue;
        ids.push(frame.id);
        answers.push(subscribed(frame.id));
      }
      socket.send(`{"type":"batch","frames":[${answers.join(',')}]}`);
    } else if (message.type === 'ping') {
      socket.send('{"type":"pong"}');
    } else if (message.type === 'start') {
      const all = ids.length > 0 ? ids : ['1'];
      // `hot` limits the traffic to the first subscriptions, all of them staying open.
      void blast(socket, message.hot ? all.slice(0, message.hot) : all, seqs, message.count, message.readings ?? 0);
    }
  });
});

wss.on('listening', () => {
  process.stdout.write(`${(wss.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
