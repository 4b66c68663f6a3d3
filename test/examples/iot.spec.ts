import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { filter, firstValueFrom } from 'rxjs';
import { RemoteError } from '../../src/protocol/errors';
import { memoryBroker } from '../../src/server';
import { watchHome, type HomeView } from '../../examples/iot/client';
import { createHome } from '../../examples/iot/home';
import { startIotServer, type IotServer } from '../../examples/iot/server';

const running: IotServer[] = [];
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  for (const server of running.splice(0)) await server.stop();
});

async function start(options: Parameters<typeof startIotServer>[0] = {}): Promise<IotServer> {
  const server = await startIotServer({ tickMs: 30, ...options });
  running.push(server);
  return server;
}
function watch(url: string, token = 'token-alice', deviceIds = ['oven-1', 'dishwasher-1', 'fridge-1']) {
  const watched = watchHome({ url, token, deviceIds, WebSocketCtor: WebSocket });
  closers.push(() => watched.client.close());
  return watched;
}
const until = (view$: import('rxjs').Observable<HomeView>, predicate: (v: HomeView) => boolean) =>
  firstValueFrom(view$.pipe(filter(predicate)));
const oven = (v: HomeView) => v.devices.get('oven-1') as { temperature: number; target: number } | undefined;

describe('the iot example', () => {
  it("shows alice's devices heating and counting down, and refuses bob's", async () => {
    const iot = await start();
    const { client, view$ } = watch(iot.url, 'token-alice', ['oven-1', 'dishwasher-1', 'fridge-1', 'oven-2']);
    view$.subscribe(); // one view for the whole test
    await firstValueFrom(client.request('setTarget', { id: 'oven-1', target: 300 }));
    const first = await until(view$, (v) => v.devices.size === 3 && oven(v)!.target === 300);
    const dishwasher = (v: HomeView) => (v.devices.get('dishwasher-1') as { minutesLeft: number }).minutesLeft;
    const later = await until(view$, (v) => oven(v)!.temperature >= oven(first)!.temperature + 30 && dishwasher(v) < dishwasher(first));
    expect([...later.devices.keys()].sort()).toEqual(['dishwasher-1', 'fridge-1', 'oven-1']);
    const refused = await until(view$, (v) => v.problems.length === 1);
    expect(refused.problems[0]).toMatch(/oven-2: .*FORBIDDEN/);
  });

  it('answers requests, refuses what is out of range or not yours, and alerts on a fridge door left open', async () => {
    const iot = await start();
    const { client, view$ } = watch(iot.url);
    expect(await firstValueFrom(client.request('setTarget', { id: 'oven-1', target: 250 }))).toEqual({ id: 'oven-1', target: 250 });
    const tooHot = await firstValueFrom(client.request('setTarget', { id: 'oven-1', target: 900 })).catch((e) => e);
    expect(tooHot).toBeInstanceOf(RemoteError);
    expect(tooHot).toMatchObject({ code: 'OUT_OF_RANGE', data: { min: 0, max: 300 } });
    const notMine = await firstValueFrom(client.request('setTarget', { id: 'oven-2', target: 100 })).catch((e) => e);
    expect(notMine).toMatchObject({ code: 'FORBIDDEN' });
    await firstValueFrom(client.request('setDoor', { id: 'fridge-1', open: true }));
    const alerted = await until(view$, (v) => v.alerts.some((a) => a.message === 'Fridge door left open'));
    expect(alerted.alerts.map((a) => a.device)).toContain('fridge-1');
  });

  it('refuses an unknown token with 4401 (after one retry) and a resident without devices with 4403', async () => {
    const iot = await start();
    const unknown = watch(iot.url, 'token-nobody');
    const evicted = watch(iot.url, 'token-evicted');
    const a = await until(unknown.view$, (v) => v.connection.status === 'closed' && v.connection.final);
    const b = await until(evicted.view$, (v) => v.connection.status === 'closed' && v.connection.final);
    expect(a.connection).toMatchObject({ code: 4401 });
    expect(b.connection).toMatchObject({ code: 4403 });
  });

  it('carries on after a server restart: the indicator shows the reconnect and the devices pick up where they were', async () => {
    const home = createHome();
    const broker = memoryBroker();
    let iot = await startIotServer({ tickMs: 30, home, broker });
    const port = iot.server.port;
    const { view$ } = watch(iot.url);
    const statuses: string[] = [];
    view$.subscribe((v) => statuses.at(-1) !== v.connection.status && statuses.push(v.connection.status));
    const before = await until(view$, (v) => (oven(v)?.temperature ?? 0) >= 80);
    await iot.stop();
    await until(view$, (v) => v.connection.status === 'reconnecting');
    iot = await startIotServer({ port, tickMs: 30, home, broker });
    running.push(iot);
    const after = await until(view$, (v) => v.reconnects === 1 && (oven(v)?.temperature ?? 0) > oven(before)!.temperature);
    expect(after.connection.status).toBe('open');
    expect(statuses.slice(statuses.indexOf('open'))).toEqual(expect.arrayContaining(['open', 'reconnecting', 'connecting']));
    expect(statuses.at(-1)).toBe('open');
  });

  it('runs as `npm run demo` does, end to end, and exits on its own', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/iot/main.ts', '--fast'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('connection: reconnecting');
    expect(out).toContain('1 reconnect(s)');
    expect(out).toContain('Fridge door left open');
    expect(out).toMatch(/oven-2: .*FORBIDDEN/);
    expect(out).toContain('done: client closed, server stopped');
    expect(code).toBe(0);
  });
});
