import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/createClient';
import { createFakeWebSocket } from '../../src/testing';
import { DecodeError } from '../../src/protocol/errors';
import { smartHome } from '../support/smartHome';
import { FUZZ_SEED, hostileClientFrame, hostileFrame, prototypePolluted, sample, sampleLazily, watchCrashes } from './hostile';
import { target } from './protocol';
import { unbatched } from '../support/frames';

const FRAMES = 100_000;

const endOfTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('fuzzing the client with hostile frames', () => {
  it(`survives ${FRAMES.toLocaleString('en')} hostile frames of every shape: no crash, each reported with a reason, nothing polluted, channels still served (seed printed)`, async () => {
    const watch = watchCrashes();
    const kit = createFakeWebSocket();
    const client = createClient({ url: 'ws://fuzz', WebSocketCtor: kit.WebSocketCtor, protocol: smartHome, heartbeat: false });
    const errors: unknown[] = [];
    const states: string[] = [];
    client.errors$.subscribe((e) => errors.push(e));
    client.state$.subscribe((s) => states.push(s.status));
    client.channel('device', { id: 'oven-1' }).subscribe({ error: () => undefined }); // a target for the fuzz
    client.event('alert').subscribe({ error: () => undefined });
    const socket = kit.sockets[0]!;
    socket.accept();
    const frames = sample(hostileFrame, FRAMES);
    for (const frame of frames) socket.onmessage!({ data: typeof frame === 'string' ? frame : frame.buffer });
    // The connection still serves: a channel subscribed now gets its message.
    const fresh: number[] = [];
    client.channel('device', { id: 'fridge' }).subscribe((m) => fresh.push(m.temperature));
    await endOfTurn(); // subscribe frames go out at the end of the turn
    const sub = unbatched(socket.sent.map((f) => JSON.parse(String(f)))).at(-1) as { id: string };
    socket.onmessage!({ data: JSON.stringify({ type: 'msg', id: sub.id, data: { id: 'fridge', temperature: 4 } }) });
    watch.stop();
    expect(watch.crashes, `seed ${FUZZ_SEED}`).toEqual([]);
    expect(fresh).toEqual([4]);
    expect(prototypePolluted()).toBe(false);
    expect(states.at(-1)).toBe('open');
    // Every error says why, and none is anything but a decode failure.
    const decodeErrors = errors.filter((e): e is DecodeError => e instanceof DecodeError);
    expect(decodeErrors.length).toBe(errors.length);
    expect(decodeErrors.length).toBeGreaterThan(FRAMES / 2);
    expect(decodeErrors.every((e) => typeof e.reason === 'string' && e.reason.length > 0)).toBe(true);
    client.close();
  }, 120_000);

  // As on the server: the default limit for every frame, a raised one for fewer.
  for (const [what, maxDepth, count] of [
    ['the default depth limit', undefined, FRAMES],
    ['the depth limit raised to 10,000 (validation and error messages meet deep values)', 10_000, 5_000],
  ] as const) {
    it(`survives ${count.toLocaleString('en')} frames with hostile values in every validated field, with ${what}: each reported on errors$, the other channels served (seed printed)`, async () => {
      const watch = watchCrashes();
      const kit = createFakeWebSocket();
      const client = createClient({ url: 'ws://fuzz', WebSocketCtor: kit.WebSocketCtor, protocol: target, heartbeat: false, maxDepth });
      // Counted and checked as they come: keeping 100,000 errors with their frames would
      // measure the test's memory, not the client's.
      let errors = 0;
      const unexplained: unknown[] = [];
      const channelErrors: unknown[] = [];
      client.errors$.subscribe((e) => {
        errors += 1;
        if (!(e instanceof DecodeError && e.reason.length > 0 && e.message.length < 2_000)) unexplained.push(e);
      });
      // Two channels under attack (ids 1 and 2 on the wire), an event, and a request in flight.
      client.channel('feed', { id: 'a' }).subscribe({ error: (e) => channelErrors.push(e) });
      client.channel('forest', { root: { value: 1, children: [] } }).subscribe({ error: (e) => channelErrors.push(e) });
      client.event('note').subscribe({ error: (e) => channelErrors.push(e) });
      const socket = kit.sockets[0]!;
      socket.accept();
      let delivered = 0;
      for (const frame of sampleLazily(hostileClientFrame, count)) {
        socket.onmessage!({ data: frame });
        delivered += 1;
      }
      // A third channel subscribed after the attack gets its messages, in order.
      const fresh: number[] = [];
      client.channel('feed', { id: 'b' }).subscribe((m) => fresh.push(m.n));
      await endOfTurn(); // subscribe frames go out at the end of the turn
      const sub = unbatched(socket.sent.map((f) => JSON.parse(String(f)))).at(-1) as { id: string };
      for (let n = 1; n <= 3; n++) socket.onmessage!({ data: JSON.stringify({ type: 'msg', id: sub.id, offset: n, data: { n, text: 'ok' } }) });
      watch.stop();
      expect(watch.crashes, `seed ${FUZZ_SEED}`).toEqual([]);
      expect(delivered).toBe(count);
      expect(fresh).toEqual([1, 2, 3]);
      expect(channelErrors.filter((e) => !(e instanceof DecodeError) && (e as Error).name !== 'SubscriptionError'), `seed ${FUZZ_SEED}`).toEqual([]);
      expect(unexplained, `seed ${FUZZ_SEED}`).toEqual([]);
      expect(errors).toBeGreaterThan(count / 2);
      client.close();
    }, 300_000);
  }
});
