import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { firstValueFrom } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/channels';
import type { Client } from '../../src/client/types';
import { RemoteError, SubscriptionError } from '../../src/protocol/errors';
import { EnvelopeServer } from '../support/envelopeServer';
import { waitFor } from '../support/wsServer';
import { smartHome } from '../support/smartHome';

const servers: EnvelopeServer[] = [];
const clients: Array<Client<typeof smartHome>> = [];

async function server(options?: ConstructorParameters<typeof EnvelopeServer>[0]): Promise<EnvelopeServer> {
  const s = await new EnvelopeServer(options).start();
  servers.push(s);
  return s;
}

function client(url: string): Client<typeof smartHome> {
  const c = createClient({ url, WebSocketCtor: WebSocket as never, protocol: smartHome, reconnect: { initialDelay: 20, maxDelay: 100 } });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

const oven = (temperature: number) => ({ id: 'oven-1', temperature });

describe('channels and requests over a real ws server speaking the envelope', () => {
  it('delivers every message exactly once, in order, across a server restart', async () => {
    const srv = await server();
    const c = client(srv.url);
    const seen: number[] = [];
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    await waitFor(() => srv.frames.length === 1, 5000, 'the subscribe');
    for (let i = 1; i <= 5; i++) srv.publish('device', { id: 'oven-1' }, oven(i));
    await waitFor(() => seen.length === 5, 5000, 'the first five');

    await srv.stop();
    for (let i = 6; i <= 10; i++) srv.publish('device', { id: 'oven-1' }, oven(i)); // missed while down
    await srv.start();
    await waitFor(() => seen.length === 10, 5000, 'the replay');
    srv.publish('device', { id: 'oven-1' }, oven(11));
    await waitFor(() => seen.length === 11, 5000, 'the live message after the replay');

    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const subs = srv.frames.filter((f) => (f as { type: string }).type === 'sub');
    expect(subs).toEqual([
      { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } },
      { type: 'sub', id: '2', channel: 'device', params: { id: 'oven-1' }, since: 5 },
    ]);
  });

  it('emits a gap notice when the history no longer holds what was missed', async () => {
    const srv = await server({ historyLimit: 3 });
    const c = client(srv.url);
    const seen: number[] = [];
    const gaps: GapNotice[] = [];
    c.gaps$.subscribe((g) => gaps.push(g));
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    await waitFor(() => srv.frames.length === 1, 5000, 'the subscribe');
    srv.publish('device', { id: 'oven-1' }, oven(1));
    await waitFor(() => seen.length === 1, 5000, 'the first message');
    await srv.stop();
    for (let i = 2; i <= 10; i++) srv.publish('device', { id: 'oven-1' }, oven(i));
    await srv.start();
    await waitFor(() => seen.length === 4, 5000, 'the replay of what is left');
    expect(seen).toEqual([1, 8, 9, 10]);
    expect(gaps).toEqual([{ channel: 'device', params: { id: 'oven-1' }, from: 2, to: 7 }]);
  });

  it('refuses one channel with SubscriptionError and keeps the others', async () => {
    const srv = await server({ forbidden: (_channel, params) => (params as { id: string }).id === 'neighbour' });
    const c = client(srv.url);
    const refused = firstValueFrom(c.channel('device', { id: 'neighbour' })).catch((e: unknown) => e);
    const allowed = firstValueFrom(c.channel('device', { id: 'oven-1' }));
    await waitFor(() => srv.frames.length === 2, 5000, 'both subscribes');
    srv.publish('device', { id: 'oven-1' }, oven(42));
    expect(await refused).toBeInstanceOf(SubscriptionError);
    expect(await refused).toMatchObject({ code: 'FORBIDDEN', channel: 'device' });
    expect(await allowed).toEqual(oven(42));
  });

  it('answers requests with typed replies and typed errors', async () => {
    const srv = await server({
      handlers: {
        setTarget: (p: { id: string; target: number }) => {
          if (p.target > 250) throw Object.assign(new Error('too hot'), { data: { max: 250 } });
          return { ok: true, target: p.target };
        },
      },
    });
    const c = client(srv.url);
    expect(await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 180 }))).toEqual({ ok: true, target: 180 });
    const failure = await firstValueFrom(c.request('setTarget', { id: 'oven-1', target: 900 })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure).toMatchObject({ code: 'FAILED', serverMessage: 'too hot', data: { max: 250 } });
  });

  it('keeps the connection and other channels through a malformed frame and an invalid message', async () => {
    const srv = await server();
    const c = client(srv.url);
    const errors: unknown[] = [];
    c.errors$.subscribe((e) => errors.push(e));
    const seen: number[] = [];
    c.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
    await waitFor(() => srv.frames.length === 1, 5000, 'the subscribe');
    srv.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 'hot' });
    srv.emit('alert', { nope: true });
    srv.publish('device', { id: 'oven-1' }, oven(7));
    await waitFor(() => seen.length === 1, 5000, 'the valid message');
    expect(seen).toEqual([7]);
    expect(errors.map((e) => (e as { reason: string }).reason)).toEqual([
      'message of channel "device": temperature: expected number, got "hot"',
      'event "alert": device: expected string, got undefined; message: expected string, got undefined',
    ]);
  });
});
