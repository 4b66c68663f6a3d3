import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame, writeFrame, WriteBatch } from '../../src/server/ws/frames';
import { createServer } from '../../src/server';
import type { Server } from '../../src/server';
import { smartHome } from '../support/smartHome';
import { waitFor } from '../support/wsServer';
import { RawPeer } from './support';

/** Reads back one frame built by textFrame: FIN, opcode, mask bit, length and payload. */
function parseFrame(frame: Buffer): { fin: boolean; opcode: number; masked: boolean; text: string; rest: number } {
  let length = frame[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    length = Number(frame.readBigUInt64BE(2));
    offset = 10;
  }
  return {
    fin: (frame[0]! & 0x80) !== 0,
    opcode: frame[0]! & 0x0f,
    masked: (frame[1]! & 0x80) !== 0,
    text: frame.subarray(offset, offset + length).toString('utf8'),
    rest: frame.length - offset - length,
  };
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])('frames %i bytes with the right length header', (size) => {
    const text = 'x'.repeat(size);
    const parsed = parseFrame(textFrame(text));
    expect(parsed).toEqual({ fin: true, opcode: 1, masked: false, text, rest: 0 });
  });

  it('counts UTF-8 bytes, not characters', () => {
    const text = 'ü€😀'.repeat(40); // 9 bytes per repeat: 360 bytes, 160 UTF-16 units
    const frame = textFrame(text);
    expect(frame[1]).toBe(126);
    expect(frame.readUInt16BE(2)).toBe(360);
    expect(parseFrame(frame).text).toBe(text);
  });
});

/** A ws server and one connected client; `server` is the server side of the pair. */
async function pair(options: { perMessageDeflate?: boolean } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: options.perMessageDeflate ?? false });
  await once(wss, 'listening');
  const connected = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: options.perMessageDeflate ?? false });
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  const [server] = await connected;
  await once(client, 'open');
  const close = async () => {
    client.terminate();
    for (const c of wss.clients) c.terminate();
    await new Promise((done) => wss.close(done));
  };
  return { server, client, received, close, raw: (server as unknown as { _socket: Socket })._socket };
}

const closers: Array<() => Promise<void>> = [];
const servers: Server<typeof smartHome, any>[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.terminate();
  for (const s of servers.splice(0)) await s.close();
  for (const close of closers.splice(0)) await close();
});

describe('writeFrame and WriteBatch over a real socket', () => {
  it('writes a ready frame that a ws client reads as a text message', async () => {
    const p = await pair();
    closers.push(p.close);
    expect(writeFrame(p.server, textFrame('{"a":1}'))).toBe(true);
    expect(writeFrame(p.server, textFrame('y'.repeat(70_000)))).toBe(true);
    await waitFor(() => p.received.length === 2);
    expect(p.received[0]).toBe('{"a":1}');
    expect(p.received[1]).toHaveLength(70_000);
  });

  it('refuses while the sender is busy compressing, so frames cannot overtake each other', async () => {
    const p = await pair({ perMessageDeflate: true });
    closers.push(p.close);
    p.server.send('z'.repeat(100_000)); // deflated asynchronously: the sender is busy meanwhile
    expect(writeFrame(p.server, textFrame('after'))).toBe(false);
    p.server.send('after'); // what the server connection does instead
    await waitFor(() => p.received.length === 2);
    expect(p.received.map((m) => m.length)).toEqual([100_000, 5]);
  });

  it('sends the first frame of a turn at once and holds the rest until the turn ends, in order', async () => {
    const p = await pair();
    closers.push(p.close);
    const batch = new WriteBatch();
    p.server.send('first');
    batch.wrote(p.server);
    expect(p.raw.writableLength).toBe(0); // already handed to the kernel
    expect(p.raw.writableCorked).toBe(1);
    for (let i = 0; i < 20; i++) {
      p.server.send(`held ${i}`);
      batch.wrote(p.server);
    }
    expect(batch.size).toBe(1);
    expect(p.raw.writableLength).toBeGreaterThan(0); // waiting in memory, not yet written
    await new Promise((done) => setImmediate(done));
    expect(p.raw.writableCorked).toBe(0);
    expect(batch.size).toBe(0);
    await waitFor(() => p.received.length === 21);
    expect(p.received).toEqual(['first', ...Array.from({ length: 20 }, (_, i) => `held ${i}`)]);
  });

  it('with a writer mark: never corks a socket that gets one frame per turn; holds the second and later frames of a turn, in order', async () => {
    const p = await pair();
    closers.push(p.close);
    const batch = new WriteBatch();
    const mark = { turn: 0 };
    for (let turn = 0; turn < 3; turn++) {
      batch.writing(p.server, mark);
      p.server.send(`alone ${turn}`);
      expect(p.raw.writableCorked).toBe(0);
      expect(p.raw.writableLength).toBe(0); // handed to the kernel at once
      expect(batch.size).toBe(0);
      await new Promise((done) => setImmediate(done));
    }
    batch.writing(p.server, mark);
    p.server.send('first');
    expect(p.raw.writableCorked).toBe(0);
    for (let i = 0; i < 5; i++) {
      batch.writing(p.server, mark);
      p.server.send(`held ${i}`);
    }
    expect(p.raw.writableCorked).toBe(1);
    expect(batch.size).toBe(1);
    expect(p.raw.writableLength).toBeGreaterThan(0); // waiting in memory
    await new Promise((done) => setImmediate(done));
    expect(p.raw.writableCorked).toBe(0);
    expect(batch.size).toBe(0);
    // The next turn starts afresh: its first frame goes at once again.
    batch.writing(p.server, mark);
    p.server.send('next');
    expect(p.raw.writableCorked).toBe(0);
    await waitFor(() => p.received.length === 10);
    expect(p.received).toEqual(['alone 0', 'alone 1', 'alone 2', 'first', 'held 0', 'held 1', 'held 2', 'held 3', 'held 4', 'next']);
  });

  /** A pair whose server side sent 'one' (written at once) and 'two' (held by the batch). */
  async function holdingTwo() {
    const p = await pair();
    closers.push(p.close);
    const batch = new WriteBatch();
    p.server.send('one');
    batch.wrote(p.server);
    p.server.send('two');
    return { p, batch };
  }

  it('writes out one held socket early on request', async () => {
    const { p, batch } = await holdingTwo();
    expect(p.raw.writableLength).toBeGreaterThan(0);
    batch.releaseNow(p.server);
    expect(p.raw.writableCorked).toBe(0);
    expect(p.raw.writableLength).toBe(0);
    await waitFor(() => p.received.length === 2);
  });

  it('lets go of a socket destroyed while held', async () => {
    const { p, batch } = await holdingTwo();
    p.server.terminate();
    await new Promise((done) => setImmediate(done));
    expect(batch.size).toBe(0);
  });
});

describe('the server fans out through ready frames', () => {
  it('does not take a burst it holds back itself for a slow reader: a peer that reads keeps its connection', async () => {
    const server = await createServer<typeof smartHome, any>({ protocol: smartHome, port: 0, limits: { maxBufferedBytes: 64 * 1024 } });
    servers.push(server);
    const p = new RawPeer(`ws://127.0.0.1:${server.port}`);
    peers.push(p);
    await p.opened();
    p.send({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
    await waitFor(() => p.frames.length > 0);
    const pad = 'x'.repeat(8000);
    // 40 frames of 8 kB in one turn: 320 kB, five times the bound, all held by the batch at first.
    await Promise.all(Array.from({ length: 40 }, (_, i) => server.publish('device', { id: 'oven-1' }, { id: pad, temperature: i })));
    await waitFor(() => p.frames.filter((f) => f.type === 'msg').length === 40 || p.closeCode !== undefined);
    expect(p.closeCode).toBeUndefined();
    expect(p.frames.filter((f) => f.type === 'msg').map((m) => m.data.temperature)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('delivers a burst published in one turn to every subscriber, complete and in order, with control frames between', async () => {
    const server = await createServer<typeof smartHome, any>({ protocol: smartHome, port: 0 });
    servers.push(server);
    server.handle('setTarget', ({ target }) => ({ ok: true, target }));
    const subscribers = await Promise.all(
      [1, 2, 3].map(async () => {
        const p = new RawPeer(`ws://127.0.0.1:${server.port}`);
        peers.push(p);
        await p.opened();
        p.send({ type: 'sub', id: '7', channel: 'device', params: { id: 'oven-1' } });
        return p;
      }),
    );
    await waitFor(() => subscribers.every((p) => p.frames.some((f) => f.type === 'subscribed')));
    const big = 'b'.repeat(70_000);
    // 200 publishes in one turn, a 70 kB one among them, and a request answered meanwhile.
    const published = Array.from({ length: 200 }, (_, i) => server.publish('device', { id: 'oven-1' }, { id: i === 100 ? big : 'oven-1', temperature: i }));
    subscribers[0]!.send({ type: 'req', id: 'r1', name: 'setTarget', payload: { id: 'oven-1', target: 5 } });
    await Promise.all(published);
    await waitFor(() => subscribers.every((p) => p.frames.filter((f) => f.type === 'msg').length === 200));
    for (const p of subscribers) {
      const messages = p.frames.filter((f) => f.type === 'msg');
      expect(messages.map((m) => m.data.temperature)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(messages.every((m) => m.id === '7')).toBe(true);
      expect(messages[100].data.id).toBe(big);
      expect(messages.map((m) => m.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    }
    await waitFor(() => subscribers[0]!.frames.some((f) => f.type === 'res'));
    expect(subscribers[0]!.frames.find((f) => f.type === 'res')).toEqual({ type: 'res', id: 'r1', data: { ok: true, target: 5 } });
  });
});
