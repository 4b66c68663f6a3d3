import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type WebSocketServer } from 'ws';
import { firstValueFrom } from 'rxjs';
import { createClient, ConnectionClosedError, DecodeError, type ClientError } from '../../src/index';
import { deepArray, target } from '../fuzz/protocol';
import { watchCrashes } from '../fuzz/hostile';
import { crash, listen, waitFor } from '../support/wsServer';
import { unbatched } from '../support/frames';

let wss: WebSocketServer | undefined;
afterEach(async () => crash(wss));

describe('a client against a hostile server, over a real socket', () => {
  it('lives through every crafted frame, reports each on errors$, and its other channel gets every message once, in order', async () => {
    const watch = watchCrashes();
    // What the hostile server sends once both channels are subscribed: crafted frames
    // aimed at channel 1, the event and the requests, between the messages of channel 2.
    const crafted = [
      `{"type":"msg","id":"1","offset":1,"data":{"n":1,"text":${deepArray(5000)}}}`,
      `{"type":"msg","id":"1","offset":2,"data":{"n":2,"text":${deepArray(60)}}}`,
      `{"type":"msg","id":"1","offset":3,"data":{"n":${JSON.stringify('9'.repeat(30_000))},"text":"x"}}`,
      `{"type":"event","name":"note","data":{"text":${deepArray(5000)}}}`,
      `{"type":"event","name":"note","data":{"text":${deepArray(60)}}}`,
    ];
    const server = await listen(0, (socket) => {
      socket.on('message', (data) => {
        for (const frame of unbatched([JSON.parse(String(data))])) answer(frame);
      });
      const answer = (frame: any) => {
        if (frame.type === 'sub') socket.send(JSON.stringify({ type: 'subscribed', id: frame.id, epoch: 'E', offset: 0 }));
        if (frame.type === 'sub' && frame.params.id === 'b') {
          // After a reconnect the channel resubscribes from the last offset it saw: go on from there.
          const base: number = frame.since?.offset ?? 0;
          for (let i = 1; i <= 50; i++) {
            const n = base + i;
            socket.send(JSON.stringify({ type: 'msg', id: frame.id, offset: n, data: { n, text: 'ok' } }));
            const hostile = crafted[i % 10 === 0 ? i / 10 - 1 : -1];
            if (hostile) socket.send(hostile);
          }
        }
        // One request gets a reply nested within the limit but wrong; the other one too deep.
        if (frame.type === 'req' && frame.payload.text === 'a') socket.send(`{"type":"res","id":"${frame.id}","data":{"text":${deepArray(60)}}}`);
        if (frame.type === 'req' && frame.payload.text === 'b') socket.send(`{"type":"res","id":"${frame.id}","data":{"text":${deepArray(5000)}}}`);
        // Then a frame larger than the client's maxPayload.
        if (frame.type === 'req' && frame.payload.text === 'huge') socket.send(JSON.stringify({ type: 'event', name: 'note', data: { text: 'x'.repeat(100_000) } }));
      };
    });
    wss = server.wss;
    const client = createClient({ url: `ws://127.0.0.1:${server.port}`, WebSocketCtor: WebSocket, protocol: target, maxPayload: 64 * 1024, heartbeat: false });
    const errors: ClientError[] = [];
    client.errors$.subscribe((e) => errors.push(e));
    const attacked: unknown[] = [];
    const received: number[] = [];
    client.channel('feed', { id: 'a' }).subscribe({ next: (m) => attacked.push(m), error: (e) => attacked.push(e) });
    client.event('note').subscribe({ next: (m) => attacked.push(m), error: (e) => attacked.push(e) });
    client.channel('feed', { id: 'b' }).subscribe({ next: (m) => received.push(m.n), error: (e) => received.push(-1 as never) && void e });

    await waitFor(() => received.length >= 50 && errors.length >= crafted.length, 5000, 'the feed and the crafted frames');
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(attacked).toEqual([]); // nothing crafted was delivered, and no observer errored
    expect(errors).toHaveLength(crafted.length);
    expect(errors.every((e) => e instanceof DecodeError && e.message.length < 300)).toBe(true);
    expect(errors.filter((e) => e instanceof DecodeError && /nested deeper than 64/.test(e.reason))).toHaveLength(2);

    // A reply that fails its codec fails its request with the DecodeError; one too deep is
    // reported and dropped before it is read, so its request times out.
    const failed = await firstValueFrom(client.request('echo', { text: 'a' })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DecodeError);
    const timedOut = await firstValueFrom(client.request('echo', { text: 'b' }, { timeout: 300 })).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('RequestTimeoutError');
    expect(errors.filter((e) => e instanceof DecodeError)).toHaveLength(crafted.length + 2);

    // A frame past maxPayload closes the connection with 1009, reported, and it reconnects.
    client.request('echo', { text: 'huge' }).subscribe({ error: () => undefined });
    await waitFor(() => errors.some((e) => e instanceof ConnectionClosedError), 5000, 'the 1009 close');
    expect((errors.find((e) => e instanceof ConnectionClosedError) as ConnectionClosedError).code).toBe(1009);
    await waitFor(() => received.length >= 100, 5000, 'the feed again after reconnecting');
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    watch.stop();
    expect(watch.crashes).toEqual([]);
    client.close();
  });
});
