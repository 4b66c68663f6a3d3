/**
 * `npm run demo:angular`: the smart-home dashboard of examples/angular in your browser.
 *
 * Builds rxwire if dist/ is missing, installs the example's dependencies if they are
 * missing, builds the Angular app in production mode, starts the iot example's server
 * (examples/iot/server.ts, 2-second ticks) and serves the app on 127.0.0.1, then prints
 * the URL. The dashboard is alice's (token-alice). In a terminal, Enter restarts the iot
 * server (the indicator shows reconnecting, then online; nothing is lost) and `g` Enter
 * restarts it with its history lost (the gap notice). `--port <n>` picks the HTTP port
 * (default 4300), `--iot-port <n>` the iot server's (default: a free one; 8080 is what
 * `ng serve` expects, from public/config.json); `--no-build` serves the last build.
 * Ctrl+C stops everything.
 */
import { createInterface } from 'node:readline';
import { memoryBroker } from '../../src/server/index';
import { createHome } from '../iot/home';
import { startIotServer, type IotServer } from '../iot/server';
import { buildApp, prepare, serveApp } from './host';

const argument = (name: string) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  prepare();
  if (!process.argv.includes('--no-build')) {
    console.log('» building the Angular app (ng build, production)…');
    const build = await buildApp();
    process.stdout.write(build.output);
    if (!build.ok) throw new Error('ng build failed');
    console.log(`» built in ${(build.ms / 1000).toFixed(1)} s`);
  }

  const home = createHome();
  let broker = memoryBroker();
  let iot: IotServer = await startIotServer({ home, broker, port: Number(argument('--iot-port') ?? 0) });
  const port = iot.server.port;
  const app = await serveApp(() => ({ server: iot.url, token: 'token-alice' }), Number(argument('--port') ?? 4300));
  console.log(`\nsmart-home server: ${iot.url}\ndashboard:         ${app.url}\n`);

  let restarting = false;
  const restart = async (loseHistory: boolean) => {
    if (restarting) return;
    restarting = true;
    console.log(`» stopping the server${loseHistory ? ' (its history will be lost)' : ''}…`);
    await iot.stop();
    await sleep(4000);
    if (loseHistory) broker = memoryBroker();
    iot = await startIotServer({ port, home, broker });
    console.log('» server back');
    restarting = false;
  };
  if (process.stdin.isTTY) {
    console.log('Enter: restart the server · g Enter: restart it with its history lost · Ctrl+C: stop');
    createInterface({ input: process.stdin }).on('line', (line) => void restart(line.trim() === 'g'));
  }

  const stop = async () => {
    await app.close();
    await iot.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
