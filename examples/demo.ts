/**
 * `npm run demo`: a live feed that survives its server restarting.
 *
 * Starts a small WebSocket server on 127.0.0.1 that streams an oven's temperature,
 * connects an rxwire client to it, restarts the server half-way through, and shows
 * the client's state going reconnecting -> connecting -> open again without losing
 * what it queued meanwhile. Ends by itself after about ten seconds.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { filter, firstValueFrom } from 'rxjs';
import { createClient, type ConnectionState } from '../src/index';

const t0 = Date.now();
const log = (...parts: unknown[]): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(4)}s]`, ...parts);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(port = 0): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  let temperature = 20;
  wss.on('connection', (socket) => {
    const timer = setInterval(() => {
      temperature = Math.min(220, temperature + 15);
      socket.send(JSON.stringify({ type: 'device', id: 'oven-1', temperature }));
    }, 400);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else log('server got      ', JSON.stringify(message));
    });
    socket.on('close', () => clearInterval(timer));
  });
  await once(wss, 'listening');
  return wss;
}

async function stopServer(wss: WebSocketServer): Promise<void> {
  for (const socket of wss.clients) socket.terminate(); // as if the process crashed
  await new Promise((resolve) => wss.close(resolve));
}

function describeState(state: ConnectionState): string {
  switch (state.status) {
    case 'open':
      return '\u001b[32m● open\u001b[0m';
    case 'connecting':
      return `\u001b[33m◌ connecting\u001b[0m (attempt ${state.attempt})`;
    case 'reconnecting':
      return `\u001b[33m↻ reconnecting\u001b[0m: retry ${state.attempt} in ${state.delay} ms (closed with ${state.code ?? 'no code'})`;
    case 'closed':
      return `\u001b[31m○ closed\u001b[0m ${state.code} ${state.reason}`;
  }
}

async function main(): Promise<void> {
  let server = await startServer();
  const port = (server.address() as AddressInfo).port;
  log(`server listening on ws://127.0.0.1:${port}`);

  const client = createClient({
    url: `ws://127.0.0.1:${port}`,
    WebSocketCtor: WebSocket,
    reconnect: { initialDelay: 300, maxDelay: 2000 },
    heartbeat: { interval: 1000, timeout: 1000 },
  });
  client.state$.subscribe((state) => log('connection      ', describeState(state)));
  client.errors$.subscribe((error) => log('error (handled) ', (error as Error).message));
  client.messages$.subscribe((message) => log('client received ', JSON.stringify(message)));
  client.send({ type: 'hello', from: 'demo' });

  await sleep(2500);
  log('--- stopping the server ---');
  await stopServer(server);
  // Wait until the client has noticed: a frame written to a socket whose peer just
  // vanished is lost in TCP, which no WebSocket API reports.
  await firstValueFrom(client.state$.pipe(filter((state) => state.status !== 'open')));
  client.send({ type: 'sent while offline', n: 1 });
  client.send({ type: 'sent while offline', n: 2 });
  await sleep(2500);
  log('--- starting the server again on the same port ---');
  server = await startServer(port);
  await sleep(2500);

  client.stats$.subscribe((s) =>
    log('stats           ', `in ${s.messagesIn} msgs / ${s.bytesIn} B, out ${s.messagesOut} msgs, reconnects ${s.reconnects}, rtt ${s.roundTripTime ?? '-'} ms`),
  ).unsubscribe();
  client.close();
  await stopServer(server);
  log('done: client closed with 1000, server stopped; the process exits on its own');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
