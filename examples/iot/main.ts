/**
 * `npm run demo`: the smart home, live in the terminal.
 *
 * Starts the smart-home server on 127.0.0.1, connects alice's client, turns the oven up
 * and leaves the fridge door open, then restarts the server half-way: the connection
 * indicator shows the reconnects and the devices carry on where they were. Ends by
 * itself. `--fast` runs the same story with 60 ms ticks (the tests use it).
 */
import WebSocket from 'ws';
import { distinctUntilChanged, filter, firstValueFrom, map } from 'rxjs';
import { memoryBroker } from '../../src/server/index';
import { watchHome } from './client';
import { createHome } from './home';
import { startIotServer } from './server';
import { renderView } from './view';

const fast = process.argv.includes('--fast');
const tickMs = fast ? 60 : 2000;
const sleep = (ticks: number) => new Promise((resolve) => setTimeout(resolve, ticks * tickMs));
const tty = process.stdout.isTTY && !fast;

async function main(): Promise<void> {
  const home = createHome();
  const broker = memoryBroker();
  let iot = await startIotServer({ tickMs, home, broker });
  const port = iot.server.port;

  const { client, view$ } = watchHome({
    url: iot.url,
    token: 'token-alice',
    deviceIds: ['oven-1', 'dishwasher-1', 'fridge-1', 'oven-2'], // oven-2 is bob's: refused
    WebSocketCtor: WebSocket,
  });
  const log: string[] = [];
  view$.pipe(map(renderView), distinctUntilChanged()).subscribe((screen) => {
    if (tty) process.stdout.write(`\u001b[2J\u001b[H${screen}\n\n${log.slice(-4).join('\n')}\n`);
  });
  // Outside a terminal, print each change of connection status instead of redrawing.
  view$.pipe(map((v) => v.connection.status), distinctUntilChanged()).subscribe((status) => {
    if (!tty) console.log(`connection: ${status}`);
  });
  const note = (line: string) => {
    log.push(line);
    if (!tty) console.log(line);
  };

  await firstValueFrom(view$.pipe(filter((v) => v.devices.size === 3)));
  await sleep(2);
  const reply = await firstValueFrom(client.request('setTarget', { id: 'oven-1', target: 220 }));
  note(`» oven target set to ${reply.target} °C`);
  await firstValueFrom(client.request('setDoor', { id: 'fridge-1', open: true }));
  note('» fridge door left open');
  await sleep(3);

  note('» restarting the server…');
  await iot.stop();
  await sleep(3);
  iot = await startIotServer({ port, tickMs, home, broker });
  note('» server back');
  await firstValueFrom(view$.pipe(filter((v) => v.connection.status === 'open')));
  await sleep(4);

  const final = await firstValueFrom(view$);
  note(`» oven at ${(final.devices.get('oven-1') as { temperature: number }).temperature} °C, ${final.reconnects} reconnect(s), alerts: ${final.alerts.map((a) => a.message).join('; ')}`);
  if (!tty) console.log(renderView(final));
  client.close();
  await iot.stop();
  note('» done: client closed, server stopped');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
