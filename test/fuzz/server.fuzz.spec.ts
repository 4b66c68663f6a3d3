import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServerCore } from '../../src/server/core/server';
import type { Peer, PeerTransport } from '../../src/server/core/transport';
import { createServer, memoryBroker } from '../../src/server';
import { smartHome } from '../support/smartHome';
import { RawPeer } from '../server/support';
import { waitFor } from '../support/wsServer';
import { FUZZ_SEED, hostileFrame, hostileServerFrame, prototypePolluted, sample, sampleLazily, watchCrashes } from './hostile';
import { target } from './protocol';
import { RequestError } from '../../src/server/errors';

const FRAMES = 100_000;

/** A transport for the server core, recording what it was told. */
class RecordingSocket implements PeerTransport {
  open = true;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  peer: Peer<unknown> | undefined;
  send(frame: string): void {
    this.sent.push(frame);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.open = false;
    this.peer?.closed(code, reason);
  }
  terminate(): void {
    this.open = false;
  }
}

describe('fuzzing the server with hostile frames', () => {
  // With the default limit every frame runs through; with the limit raised to 10,000
  // levels, deep values reach validation and error messages (io-ts builds a context of
  // O(depth) per level of a t.recursion codec, which is what the limit is for, so fewer frames).
  for (const [what, maxDepth, count] of [
    ['the default depth limit', 64, FRAMES],
    ['the depth limit raised to 10,000 (validation and error messages meet deep values)', 10_000, 5_000],
  ] as const) {
  it(`answers ${count.toLocaleString('en')} hostile frames with a typed reply or a close with a reason, and never throws or crashes, with ${what} (seed printed)`, async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const core = createServerCore<unknown, unknown>({
      protocol: target,
      broker: memoryBroker(),
      maxSubscriptions: 50,
      rate: { messages: Number.MAX_SAFE_INTEGER, interval: 1000 },
      maxBufferedBytes: 1 << 30,
      maxDepth,
      pingInterval: 30_000,
      upgradeTimeout: 10_000,
    });
    const handlers = new Map<string, (p: any) => unknown>([
      ['echo', (p) => ({ text: p.text })],
      ['plant', () => ({ ok: true })],
      // Results JSON cannot carry, and a RequestError whose data JSON cannot carry.
      ['weird', (p) => {
        if (p.what.length % 3 === 0) return { big: 10n };
        if (p.what.length % 3 === 1) return cyclic;
        throw new RequestError('WEIRD', 'weird', { big: 1n });
      }],
    ]);
    for (const [name, handler] of handlers) core.handle(name, handler);
    const watch = watchCrashes();
    const closes = new Map<number, number>();
    let connection: Peer<unknown> | undefined;
    let socket = new RecordingSocket();
    const open = () => {
      socket = new RecordingSocket();
      connection = socket.peer = core.accept(socket, undefined);
    };
    open();
    // Half the old generator (envelopes of every shape), half values nested in every validated field.
    const frames = (function* () {
      yield* sample(hostileFrame, count / 2);
      yield* sampleLazily(hostileServerFrame, count / 2);
    })();
    let answered = 0;
    for (const frame of frames) {
      const before = socket.sent.length;
      const data = typeof frame === 'string' ? Buffer.from(frame) : Buffer.from(frame);
      connection!.receive(data, false);
      await new Promise((resolve) => setImmediate(resolve)); // let async work (subscribe, request) finish
      if (socket.closed) {
        expect(socket.closed.reason.length).toBeGreaterThan(0);
        closes.set(socket.closed.code, (closes.get(socket.closed.code) ?? 0) + 1);
        open();
      } else if (socket.sent.length > before) answered += 1;
    }
    void connection;
    await new Promise((resolve) => setTimeout(resolve, 50)); // late rejections surface
    watch.stop();
    expect(watch.crashes, `seed ${FUZZ_SEED}`).toEqual([]);
    expect(prototypePolluted()).toBe(false);
    // Every close used a protocol code: 1002 (not an envelope), 1003 (binary) or 1007 (not JSON, too deep).
    expect([...closes.keys()].every((code) => [1002, 1003, 1007].includes(code)), `seed ${FUZZ_SEED}`).toBe(true);
    expect(answered + [...closes.values()].reduce((a, b) => a + b, 0), `seed ${FUZZ_SEED}`).toBeGreaterThan(count * 0.9);
  }, 300_000);
  }

  describe('over real sockets', () => {
    let server: Awaited<ReturnType<typeof createServer>>;
    afterAll(async () => server?.close());

    it('keeps serving a well-behaved connection while hostile peers are closed one after another', async () => {
      server = await createServer({ protocol: smartHome, port: 0, limits: { maxPayload: 64 * 1024 } });
      const url = `ws://127.0.0.1:${server.port}`;
      const good = await new RawPeer(url).opened();
      const frames = sample(hostileFrame, 1000);
      let peer = await new RawPeer(url).opened();
      const codes = new Map<number, number>();
      for (const frame of frames) {
        if (peer.closeCode !== undefined || peer.socket.readyState !== WebSocket.OPEN) {
          codes.set(peer.closeCode ?? -1, (codes.get(peer.closeCode ?? -1) ?? 0) + 1);
          peer.terminate();
          peer = await new RawPeer(url).opened();
        }
        if (typeof frame === 'string') peer.socket.send(frame);
        else peer.socket.send(Buffer.from(frame), { binary: false }); // invalid UTF-8 in a text frame
        // Wait until the server has dealt with it: a pong after it, or the close it caused.
        const pongs = peer.frames.filter((f) => f?.type === 'pong').length;
        if (peer.socket.readyState === WebSocket.OPEN) peer.send({ type: 'ping' });
        const current = peer;
        await waitFor(() => current.closeCode !== undefined || current.frames.filter((f) => f?.type === 'pong').length > pongs, 5000, 'the server to deal with a frame');
      }
      peer.terminate();
      const before = good.frames.length;
      good.send({ type: 'ping' });
      await waitFor(() => good.frames.length > before, 5000, 'a pong for the good peer');
      expect(good.frames.at(-1)).toEqual({ type: 'pong' });
      expect(prototypePolluted()).toBe(false);
      expect([...codes.keys()].every((code) => [1002, 1003, 1007, 1009].includes(code))).toBe(true);
    }, 120_000);
  });
});
