import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createClient } from '../../src/client/createClient';
import { createFakeWebSocket } from '../../src/testing';
import { DecodeError } from '../../src/protocol/errors';
import { smartHome } from '../support/smartHome';
import { hostileFrame, prototypePolluted } from './hostile';

const FRAMES = 100_000;

describe('fuzzing the client with hostile frames', () => {
  it(`survives ${FRAMES.toLocaleString('en')} hostile frames: no crash, each reported with a reason, nothing polluted, channels still served`, () => {
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
    const frames = fc.sample(hostileFrame, FRAMES);
    for (const frame of frames) socket.onmessage!({ data: typeof frame === 'string' ? frame : frame.buffer });
    // The connection still serves: a channel subscribed now gets its message.
    const fresh: number[] = [];
    client.channel('device', { id: 'fridge' }).subscribe((m) => fresh.push(m.temperature));
    const sub = JSON.parse(String(socket.sent.at(-1))) as { id: string };
    socket.onmessage!({ data: JSON.stringify({ type: 'msg', id: sub.id, data: { id: 'fridge', temperature: 4 } }) });
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
});
