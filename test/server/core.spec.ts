import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualTimeScheduler } from 'rxjs';
import { createServerCore, type CoreOptions } from '../../src/server/core/server';
import { MAX_BATCH_ANSWER_BYTES } from '../../src/protocol/jsonEnvelope';
import type { Peer, PeerTransport, SharedText } from '../../src/server/core/transport';
import { ForbiddenError, RequestError, ServerClosedError, memoryBroker, type ConnectionEvent, type ServerStats } from '../../src/server';
import { ValidationError } from '../../src/protocol/errors';
import { smartHome } from '../support/smartHome';
import { statsNow } from '../support/stats';

// The server core driven directly, without a socket: a fake transport records every frame
// and close, time comes from a VirtualTimeScheduler, and the memory broker settles within
// one turn of the event loop (it has no timers), which `settled()` waits for.

/** A transport that records what the core told it. */
class FakeTransport implements PeerTransport {
  open = true;
  bufferedAmount = 0;
  flushes = 0;
  terminated = false;
  readonly texts: string[] = [];
  readonly shared: SharedText[] = [];
  closedWith: { code: number; reason: string } | undefined;
  peer!: Peer<unknown>;

  send(text: string): void {
    this.texts.push(text);
  }
  sendShared(shared: SharedText): void {
    this.shared.push(shared);
    this.texts.push(shared.text);
  }
  flush(): void {
    this.flushes += 1;
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.open = false;
  }
  terminate(): void {
    this.terminated = true;
    this.open = false;
  }
  /** Every frame sent, parsed. */
  get frames(): any[] {
    return this.texts.map((text) => JSON.parse(text));
  }
  /** The frames after the welcome. */
  get after(): any[] {
    return this.frames.slice(1);
  }
  /** The peer sends a frame. */
  sends(frame: unknown): void {
    this.peer.receive(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
}

/** Lets the broker's and handlers' promises settle: they need no timer, only this turn. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setUp(options: Partial<CoreOptions<unknown, { token?: string }>> = {}) {
  const scheduler = new VirtualTimeScheduler();
  const broker = memoryBroker();
  const core = createServerCore<unknown, { token?: string }>({
    protocol: smartHome,
    broker,
    maxSubscriptions: 1000,
    rate: { messages: 2000, interval: 1000 },
    maxBufferedBytes: 4_194_304,
    maxDepth: 64,
    pingInterval: 30_000,
    upgradeTimeout: 10_000,
    scheduler,
    ...options,
  });
  const connect = (principal: unknown = 'alice'): FakeTransport => {
    const transport = new FakeTransport();
    transport.peer = core.accept(transport, principal);
    return transport;
  };
  /** Moves virtual time forward by `ms`, running what falls due. */
  const advance = (ms: number): void => {
    scheduler.schedule(() => undefined, ms);
    scheduler.maxFrames = scheduler.frame + ms;
    scheduler.flush();
  };
  return { core, broker, scheduler, connect, advance };
}

/**
 * A peer that sends a batch of two subscriptions asking for batched answers; `meanwhile`
 * runs when the second one is authorized, in the same turn, while the first one's
 * answer is held.
 */
function whileHeld(meanwhile: (peer: FakeTransport) => void): FakeTransport {
  let peer: FakeTransport | undefined;
  const { connect } = setUp({
    authorize: (_p, _c, params) => {
      if ((params as { id: string }).id === 'second') meanwhile(peer!);
      return true;
    },
  });
  peer = connect();
  peer.sends({
    type: 'batch',
    frames: [
      { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } },
      { type: 'sub', id: '2', channel: 'device', params: { id: 'second' } },
    ],
    reply: 'batch',
  });
  return peer;
}

describe('the server core, driven through a fake transport', () => {
  it('sends the welcome frame as the first frame of an accepted peer and reports it on connections$', () => {
    const { core, connect } = setUp({ pingInterval: 12_345 });
    const events: ConnectionEvent<unknown>[] = [];
    core.connections$.subscribe((e) => events.push(e));
    const peer = connect('alice');
    expect(peer.frames).toEqual([{ type: 'welcome', connection: '1', ping: 12_345 }]);
    expect(events).toEqual([{ type: 'connected', connection: { id: '1', principal: 'alice' } }]);
    expect(connect('bob').frames).toEqual([{ type: 'welcome', connection: '2', ping: 12_345 }]);
  });

  it('subscribes, delivers a published message, and after unsub delivers nothing more', async () => {
    const { core, connect } = setUp();
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
    await settled();
    const [subscribed] = peer.after;
    expect(subscribed).toEqual({ type: 'subscribed', id: '1', epoch: expect.any(String), offset: 0 });

    const position = await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 182 });
    expect(position).toEqual({ epoch: subscribed.epoch, offset: 1 });
    await core.publish('device', { id: 'fridge-1' }, { id: 'fridge-1', temperature: 4 }); // another stream
    expect(peer.after.slice(1)).toEqual([{ type: 'msg', id: '1', offset: 1, data: { id: 'oven-1', temperature: 182 } }]);

    peer.sends({ type: 'unsub', id: '1' });
    await settled();
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 190 });
    expect(peer.after).toHaveLength(2);
  });

  it('handles a batch of sub and unsub frames in order, as if each had come alone, and counts it one token per 100 frames', async () => {
    const { connect } = setUp({ maxSubscriptions: 20_000, rate: { messages: 60, interval: 1000 } });
    const peer = connect();
    const subs = Array.from({ length: 5000 }, (_, i) => ({ type: 'sub', id: String(i + 1), channel: 'device', params: { id: `d${i}` } }));
    peer.sends({ type: 'batch', frames: subs });
    peer.sends({ type: 'batch', frames: [{ type: 'unsub', id: '1' }, { type: 'sub', id: '1', channel: 'device', params: { id: 'again' } }, { type: 'sub', id: '2', channel: 'device', params: { id: 'dup' } }] });
    await settled();
    expect(peer.closedWith).toBeUndefined(); // 50 + 1 tokens of 60
    const after = peer.after;
    expect(after.filter((f) => f.type === 'subscribed')).toHaveLength(5001);
    expect(after.slice(0, 3).map((f) => f.id)).toEqual(['1', '2', '3']);
    // id 1 was left then reused; id 2 is live: refused as a duplicate, the live one kept.
    expect(after.at(-2)).toMatchObject({ type: 'subscribed', id: '1' });
    expect(after.at(-1)).toMatchObject({ type: 'error', id: '2', code: 'DUPLICATE_ID' });
    // The next batch of 1,000 needs 10 tokens, and 9 are left: the rate limit holds.
    peer.sends({ type: 'batch', frames: subs.slice(0, 1000) });
    expect(peer.closedWith).toEqual({ code: 1008, reason: 'rate limit exceeded' });
  });

  it('closes with 1002 a batch that is empty, not an array, holds anything but sub and unsub, or a malformed one', () => {
    const { connect } = setUp();
    for (const frames of [[], 'x', [{ type: 'req', id: '1', name: 'setTarget', payload: {} }], [{ type: 'ping' }], [{ type: 'sub', channel: 'device' }], [[]]]) {
      const peer = connect();
      peer.sends({ type: 'batch', frames });
      expect(peer.closedWith?.code, JSON.stringify(frames)).toBe(1002);
    }
  });

  it('answers a batch that asks for it ("reply": "batch") with one batch frame holding exactly what the frames would get alone', async () => {
    const { core, connect } = setUp();
    const first = await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 180 });
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 181 });
    const frames = [
      { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' }, since: { epoch: first.epoch, offset: 0 } }, // replayed
      { type: 'sub', id: '2', channel: 'device', params: { id: 'fridge-1' } },
      { type: 'sub', id: '2', channel: 'device', params: { id: 'dup' } }, // refused: id 2 is live
      { type: 'sub', id: '3', channel: 'device', params: { id: 'oven-1' }, since: { epoch: 'gone', offset: 5 } }, // a gap
      { type: 'unsub', id: '2' },
    ];
    const alone = connect();
    const batched = connect();
    alone.sends({ type: 'batch', frames });
    batched.sends({ type: 'batch', frames, reply: 'batch' });
    await settled();
    expect(alone.after.length).toBeGreaterThan(5);
    expect(alone.after.every((f) => f.type !== 'batch')).toBe(true);
    expect(batched.after).toEqual([{ type: 'batch', frames: alone.after }]);
    // What is published afterwards goes alone again.
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 182 });
    expect(batched.after.slice(1)).toEqual(alone.after.slice(-2));
  });

  it('splits the answers to a large batch into batch frames of at most MAX_BATCH_ANSWER_BYTES of UTF-8, in order', async () => {
    const { connect } = setUp({ maxSubscriptions: 20_000 });
    const peer = connect();
    // Ids of 2-byte characters: a bound counted in characters would make frames too large.
    const subs = Array.from({ length: 8000 }, (_, i) => ({ type: 'sub', id: `é${i}`.padEnd(12, 'é'), channel: 'device', params: { id: `d${i}` } }));
    peer.sends({ type: 'batch', frames: subs, reply: 'batch' });
    await settled();
    const texts = peer.texts.slice(1);
    // About 8,000 × 90 bytes: three or four full batch frames, not 8,000 frames.
    expect(texts.length).toBeGreaterThanOrEqual(3);
    expect(texts.length).toBeLessThanOrEqual(4);
    for (const text of texts) {
      expect(text.startsWith('{"type":"batch","frames":[')).toBe(true);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BATCH_ANSWER_BYTES);
    }
    expect(Buffer.byteLength(texts[0]!)).toBeGreaterThan(MAX_BATCH_ANSWER_BYTES - 200);
    const answers = peer.after.flatMap((f) => (f.type === 'batch' ? f.frames : [f]));
    expect(answers.map((f) => `${f.type} ${f.id}`)).toEqual(subs.map((f) => `subscribed ${f.id}`));
  });

  it('counts each frame a batch frame carried as one frame sent, and each held frame it could not send as one dropped', async () => {
    let closing: FakeTransport | undefined;
    const { core, connect } = setUp({
      authorize: (_p, _c, params) => {
        // The second peer's transport goes away while its first answer is held.
        if ((params as { id: string }).id === 'gone' && closing) closing.open = false;
        return true;
      },
    });
    const subs = (...ids: string[]) => ids.map((id, i) => ({ type: 'sub', id: String(i + 1), channel: 'device', params: { id } }));
    const sent = connect();
    sent.sends({ type: 'batch', frames: subs('a', 'b', 'c'), reply: 'batch' });
    await settled();
    expect(sent.texts).toHaveLength(2); // the welcome, one batch of three answers
    expect(sent.after[0].frames).toHaveLength(3);
    expect(statsNow(core.stats$).messagesOut).toBe(4);
    expect(core.metrics()).toContain('rxwire_frames_sent_total 4\n');

    closing = connect();
    closing.sends({ type: 'batch', frames: subs('x', 'gone'), reply: 'batch' });
    await settled();
    expect(closing.after).toEqual([]);
    expect(statsNow(core.stats$).messagesOut).toBe(5); // its welcome
    expect(core.metrics()).toContain('rxwire_frames_dropped_total 2\n');
  });

  it('answers a ping at once, alone, while it holds the answers to a batch', async () => {
    const peer = whileHeld((peer) => peer.sends({ type: 'ping' }));
    await settled();
    expect(peer.after).toEqual([
      { type: 'pong' },
      { type: 'batch', frames: [expect.objectContaining({ type: 'subscribed', id: '1' }), expect.objectContaining({ type: 'subscribed', id: '2' })] },
    ]);
  });

  it('holds what it sends during a batch no longer than the turn: a subscription still being authorized does not hold back the others', async () => {
    let admit: (ok: boolean) => void = () => undefined;
    const { core, connect } = setUp({ authorize: (_p, _c, params) => ((params as { id: string }).id === 'slow' ? new Promise<boolean>((resolve) => (admit = resolve)) : true) });
    const peer = connect();
    peer.sends({
      type: 'batch',
      frames: [
        { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } },
        { type: 'sub', id: '2', channel: 'device', params: { id: 'fridge-1' } },
        { type: 'sub', id: '3', channel: 'device', params: { id: 'slow' } },
      ],
      reply: 'batch',
    });
    await settled();
    await settled();
    // The turn ended with the third subscription waiting: what the first two got went out, held together.
    expect(peer.after).toEqual([{ type: 'batch', frames: [expect.objectContaining({ type: 'subscribed', id: '1' }), expect.objectContaining({ type: 'subscribed', id: '2' })] }]);
    // Messages published meanwhile are held with what the batch sends, for that turn only.
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 182 });
    await core.publish('device', { id: 'fridge-1' }, { id: 'fridge-1', temperature: 4 });
    await settled();
    expect(peer.after.map((f) => f.type)).toEqual(['batch', 'batch']);
    expect(peer.after[1].frames.map((f: { type: string; id: string }) => `${f.type} ${f.id}`)).toEqual(['msg 1', 'msg 2']);
    admit(true);
    await settled();
    expect(peer.after.map((f) => f.type)).toEqual(['batch', 'batch', 'subscribed']);
  });

  it('sends what a batch held before the close when the connection fails meanwhile', async () => {
    let heldWhenClosed: unknown[] | undefined;
    // The peer breaks the protocol while the first subscription's answer is held.
    const peer = whileHeld((peer) => {
      expect(peer.after).toEqual([]);
      peer.sends('not json');
      heldWhenClosed = peer.after;
    });
    await settled();
    expect(peer.closedWith?.code).toBe(1007);
    expect(heldWhenClosed).toEqual([{ type: 'subscribed', id: '1', epoch: expect.any(String), offset: 0 }]);
    expect(peer.after).toEqual(heldWhenClosed);
  });

  it('gives every peer subscribed under the same id the same shared frame, so a transport frames it once', async () => {
    const { core, connect } = setUp();
    const a = connect();
    const b = connect();
    for (const peer of [a, b]) peer.sends({ type: 'sub', id: '7', channel: 'device', params: { id: 'oven-1' } });
    await settled();
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 182 });
    expect(a.shared).toHaveLength(1);
    expect(b.shared[0]).toBe(a.shared[0]);
  });

  it('replays what a subscriber missed since its position, in order, before anything live', async () => {
    const { core, connect } = setUp();
    const first = await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 1 });
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 2 });
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 3 });
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' }, since: first });
    await settled();
    await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 4 });
    expect(peer.after).toEqual([
      { type: 'subscribed', id: '1', epoch: first.epoch, offset: 3 },
      { type: 'msg', id: '1', offset: 2, data: { id: 'oven-1', temperature: 2 } },
      { type: 'msg', id: '1', offset: 3, data: { id: 'oven-1', temperature: 3 } },
      { type: 'msg', id: '1', offset: 4, data: { id: 'oven-1', temperature: 4 } },
    ]);
  });

  it('answers a position in an epoch the stream no longer has with a gap of unknown size, then the messages it still holds', async () => {
    const { core, connect } = setUp();
    const { epoch } = await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 1 });
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' }, since: { epoch: 'gone', offset: 40 } });
    await settled();
    expect(peer.after).toEqual([
      { type: 'subscribed', id: '1', epoch, offset: 1 },
      { type: 'gap', id: '1', epoch },
      { type: 'msg', id: '1', offset: 1, data: { id: 'oven-1', temperature: 1 } },
    ]);
  });

  it('refuses a since beyond the stream and an unknown channel with error frames, keeping the connection', async () => {
    const { core, connect } = setUp();
    const { epoch } = await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 1 });
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' }, since: { epoch, offset: 9 } });
    peer.sends({ type: 'sub', id: '2', channel: 'nope', params: {} });
    peer.sends({ type: 'sub', id: '3', channel: 'device', params: { id: 'oven-1' }, since: { epoch: 3 } });
    await settled();
    expect(peer.after.map((f) => [f.type, f.id, f.code])).toEqual([
      ['error', '1', 'INVALID_SINCE'],
      ['error', '2', 'UNKNOWN_CHANNEL'],
      ['error', '3', 'INVALID_SINCE'],
    ]);
    expect(peer.closedWith).toBeUndefined();
  });

  it('answers a request with the handler reply, a RequestError with its code and data, and any other failure with INTERNAL only', async () => {
    const { core, connect } = setUp();
    core.handle('setTarget', (payload: any, { connection }) => {
      if (payload.target > 300) throw new RequestError('OUT_OF_RANGE', 'too hot', { max: 300 });
      if (payload.target < 0) throw new Error('the database password is hunter2');
      return { ok: connection.principal === 'alice', target: payload.target };
    });
    const peer = connect('alice');
    peer.sends({ type: 'req', id: 'a', name: 'setTarget', payload: { id: 'oven-1', target: 180 } });
    peer.sends({ type: 'req', id: 'b', name: 'setTarget', payload: { id: 'oven-1', target: 400 } });
    peer.sends({ type: 'req', id: 'c', name: 'setTarget', payload: { id: 'oven-1', target: -1 } });
    peer.sends({ type: 'req', id: 'd', name: 'setTarget', payload: { id: 'oven-1' } });
    peer.sends({ type: 'req', id: 'e', name: 'nothing', payload: {} });
    await settled();
    const byId = Object.fromEntries(peer.after.map((f) => [f.id, f]));
    expect(byId.a).toEqual({ type: 'res', id: 'a', data: { ok: true, target: 180 } });
    expect(byId.b).toEqual({ type: 'res', id: 'b', error: { code: 'OUT_OF_RANGE', message: 'too hot', data: { max: 300 } } });
    expect(byId.c).toEqual({ type: 'res', id: 'c', error: { code: 'INTERNAL', message: 'the request failed' } });
    expect(byId.d.error.code).toBe('INVALID_PAYLOAD');
    expect(byId.e.error.code).toBe('NOT_FOUND');
    expect(peer.texts.join('')).not.toContain('hunter2');
  });

  it('closes a peer past its rate with 1008, refills with time, and counts native pings against it', () => {
    const { core, connect, advance } = setUp({ rate: { messages: 3, interval: 1000 } });
    const events: ConnectionEvent<unknown>[] = [];
    core.connections$.subscribe((e) => events.push(e));
    const steady = connect();
    for (let i = 0; i < 3; i++) steady.sends({ type: 'ping' });
    advance(1000); // three tokens back
    for (let i = 0; i < 3; i++) steady.sends({ type: 'ping' });
    expect(steady.after).toEqual(Array.from({ length: 6 }, () => ({ type: 'pong' })));
    expect(steady.closedWith).toBeUndefined();

    const flooder = connect();
    flooder.peer.pinged();
    flooder.sends({ type: 'ping' });
    flooder.sends({ type: 'ping' });
    expect(flooder.closedWith).toBeUndefined();
    flooder.sends({ type: 'ping' });
    expect(flooder.closedWith).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    expect(flooder.after).toEqual([{ type: 'pong' }, { type: 'pong' }]);
    // The transport reports the close as 1006 (it cut the peer off): the event says 1008.
    flooder.peer.closed(1006, '');
    expect(events.at(-1)).toEqual({ type: 'disconnected', connection: { id: '2', principal: 'alice' }, code: 1008, reason: 'rate limit exceeded' });
  });

  it.each([
    ['invalid JSON', 1007, '{"type":'],
    ['a frame that is not an object', 1002, '[1,2]'],
    ['an unknown frame type', 1002, '{"type":"hello"}'],
    ['a sub without a string id', 1002, '{"type":"sub","id":1,"channel":"device"}'],
    ['a frame nested too deeply', 1007, `{"type":"ping","x":${'['.repeat(70)}${']'.repeat(70)}}`],
  ])('closes a peer that sends %s with %i and ignores what it sends after', (_what, code, text) => {
    const { connect } = setUp();
    const peer = connect();
    peer.sends(text);
    expect(peer.closedWith?.code).toBe(code);
    expect(peer.closedWith?.reason.length).toBeGreaterThan(0);
    peer.sends({ type: 'ping' });
    expect(peer.after).toEqual([]);
  });

  it('closes a peer that sends a binary frame with 1003', () => {
    const { connect } = setUp();
    const peer = connect();
    peer.peer.receive(new TextEncoder().encode('{"type":"ping"}'), true);
    expect(peer.closedWith?.code).toBe(1003);
  });

  it('reads a text frame given as bytes', () => {
    const { connect } = setUp();
    const peer = connect();
    peer.peer.receive(new TextEncoder().encode('{"type":"ping"}'));
    expect(peer.after).toEqual([{ type: 'pong' }]);
  });

  it('answers a too-deep request with TOO_DEEP and keeps the connection', async () => {
    const { connect } = setUp({ maxDepth: 4 });
    const peer = connect();
    peer.sends({ type: 'req', id: 'r', name: 'setTarget', payload: { a: { b: { c: {} } } } });
    await settled();
    expect(peer.after).toEqual([{ type: 'res', id: 'r', error: { code: 'TOO_DEEP', message: 'the frame is nested deeper than 4 levels' } }]);
    expect(peer.closedWith).toBeUndefined();
  });

  it('writes out what the transport holds before judging a slow reader, then closes it with 1013 and drops it', () => {
    const { core, connect } = setUp({ maxBufferedBytes: 100 });
    const peer = connect();
    peer.bufferedAmount = 101;
    core.emit('alert', { device: 'fridge-1', message: 'door open' });
    expect(peer.flushes).toBe(1);
    expect(peer.closedWith).toEqual({ code: 1013, reason: 'too slow: too much data waiting to be read' });
    expect(peer.terminated).toBe(true);
    expect(peer.after).toEqual([]);
    // The frame that found it too slow was not sent: counted as dropped, not as sent.
    expect(core.metrics()).toContain('rxwire_frames_dropped_total 1\n');
    expect(statsNow(core.stats$).messagesOut).toBe(1); // the welcome
  });

  it('admits by authenticate: a principal, 4401 for undefined, 4403 for ForbiddenError, 1013 for a failure or no answer within upgradeTimeout', async () => {
    const answers: Record<string, () => unknown> = {
      alice: () => ({ name: 'alice' }),
      nobody: () => undefined,
      banned: () => {
        throw new ForbiddenError('banned');
      },
      broken: () => Promise.reject(new Error('database down')),
      stuck: () => new Promise(() => undefined),
    };
    const { core, advance } = setUp({ authenticate: ({ token }) => answers[token!]!() as never, upgradeTimeout: 5000 });
    expect(await core.admit({ token: 'alice' })).toEqual({ principal: { name: 'alice' } });
    expect(await core.admit({ token: 'nobody' })).toEqual({ refuse: 4401 });
    expect(await core.admit({ token: 'banned' })).toEqual({ refuse: 4403 });
    expect(await core.admit({ token: 'broken' })).toEqual({ refuse: 1013 });
    let stuck: unknown;
    void core.admit({ token: 'stuck' }).then((a) => (stuck = a));
    advance(4999);
    await settled();
    expect(stuck).toBeUndefined();
    advance(1);
    await settled();
    expect(stuck).toEqual({ refuse: 1013 });
  });

  it('admits everyone as undefined without authenticate', async () => {
    const { core } = setUp();
    expect(await core.admit({ token: undefined })).toEqual({ principal: undefined });
  });

  it('publishes stats at once, then at most once per second of scheduler time while they change', async () => {
    const { core, connect, advance } = setUp();
    const stats: ServerStats[] = [];
    core.stats$.subscribe((s) => stats.push(s));
    expect(stats).toEqual([{ connections: 0, subscriptions: 0, messagesIn: 0, messagesOut: 0, published: 0, refused: 0, closedForLimits: 0 }]);
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
    await settled();
    core.refused('capacity');
    expect(stats).toHaveLength(1);
    advance(1000);
    expect(stats).toEqual([
      stats[0],
      // out: the welcome and the subscribed frame
      { connections: 1, subscriptions: 1, messagesIn: 1, messagesOut: 2, published: 0, refused: 1, closedForLimits: 0 },
    ]);
    expect(core.metrics()).toContain('rxwire_refused_total{reason="capacity"} 1');
  });

  it('rejects publish and throws from emit with ServerClosedError after close, validates what it sends, and completes its streams', async () => {
    const { core } = setUp();
    await expect(core.publish('device', { id: 1 } as never, { id: 'x', temperature: 1 })).rejects.toBeInstanceOf(ValidationError);
    expect(() => core.emit('alert', { device: 'fridge-1' })).toThrow(ValidationError);
    let complete = false;
    core.connections$.subscribe({ complete: () => (complete = true) });
    let drained = false;
    await core.close(async () => {
      drained = true;
    });
    expect(drained).toBe(true);
    expect(complete).toBe(true);
    expect(core.closed).toBe(true);
    await expect(core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 1 })).rejects.toBeInstanceOf(ServerClosedError);
    expect(() => core.emit('alert', { device: 'fridge-1', message: 'door open' })).toThrow(ServerClosedError);
  });

  it('ends a closed peer\'s subscriptions: the subscription gauge goes back to 0', async () => {
    const { core, connect } = setUp();
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
    await settled();
    expect(core.metrics()).toContain('rxwire_subscriptions 1');
    peer.peer.closed(1000, 'bye');
    expect(core.metrics()).toContain('rxwire_subscriptions 0');
    expect(core.metrics()).toContain('rxwire_connections 0');
    expect(core.metrics()).toContain('rxwire_closed_total{code="1000"} 1');
  });
});

describe('publish through a broker with and without publishNow', () => {
  it('the memory broker publishes at once: numbered, stored and delivered before publishNow returns; publish gives the same', async () => {
    const broker = memoryBroker({ epoch: () => 'E' });
    const got: number[] = [];
    await broker.listen('s', (m) => got.push(m.offset));
    const message = broker.publishNow!('s', { a: 1 });
    expect(message).toEqual({ epoch: 'E', offset: 1, data: { a: 1 } });
    expect(got).toEqual([1]);
    await expect(broker.publish('s', { a: 2 })).resolves.toEqual({ epoch: 'E', offset: 2, data: { a: 2 } });
    expect(got).toEqual([1, 2]);
    const replay = await broker.replay('s', { epoch: 'E', offset: 0 });
    expect(replay.messages.map((m) => m.data)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  for (const sync of [true, false]) {
    it(`${sync ? 'with' : 'without'} publishNow: resolves with the position alone, delivers in order, counts each publish, and rejects a failing broker's publish`, async () => {
      const memory = memoryBroker({ epoch: () => 'E' });
      let fail = false;
      const publishNow = (stream: string, data: unknown) => {
        if (fail) throw new Error('broker down');
        return memory.publishNow!(stream, data);
      };
      const publish = async (stream: string, data: unknown) => publishNow(stream, data);
      const broker = sync ? { ...memory, publish, publishNow } : { ...memory, publish, publishNow: undefined };
      const { core, connect } = setUp({ broker });
      const peer = connect();
      peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
      await settled();
      const positions = await Promise.all([1, 2, 3].map((temperature) => core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature })));
      expect(positions).toEqual([1, 2, 3].map((offset) => ({ epoch: 'E', offset })));
      expect(peer.after.slice(1).map((f) => [f.offset, f.data.temperature])).toEqual([[1, 1], [2, 2], [3, 3]]);
      expect(core.metrics()).toContain('rxwire_messages_published_total 3');
      fail = true;
      await expect(core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 4 })).rejects.toThrow('broker down');
      expect(core.metrics()).toContain('rxwire_messages_published_total 3');
    });
  }
});

describe('frame and publish counts, observed by stats$ or not', () => {
  it('are exact when read, whether stats$ was observed while they moved or not, and a moving count still wakes stats$', async () => {
    const { core, connect, advance } = setUp();
    const peer = connect();
    peer.sends({ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } });
    await settled();
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) await core.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: i });
    };
    await publish(3); // nobody observes stats$
    const stats: ServerStats[] = [];
    const subscription = core.stats$.subscribe((s) => stats.push(s));
    // welcome + subscribed + 3 messages out; the sub in; 3 published
    expect(stats).toEqual([expect.objectContaining({ messagesIn: 1, messagesOut: 5, published: 3 })]);
    await publish(2); // observed: the counts move, and wake stats$ within its interval
    advance(1000);
    expect(stats).toHaveLength(2);
    expect(stats[1]).toEqual(expect.objectContaining({ messagesIn: 1, messagesOut: 7, published: 5 }));
    peer.sends({ type: 'ping' }); // one in, one out (the pong), nothing published: still wakes it
    advance(1000);
    expect(stats).toHaveLength(3);
    expect(stats[2]).toEqual(expect.objectContaining({ messagesIn: 2, messagesOut: 8, published: 5 }));
    subscription.unsubscribe();
    await publish(4); // nobody observes again
    expect(core.metrics()).toContain('rxwire_frames_sent_total 12');
    expect(core.metrics()).toContain('rxwire_frames_received_total 2');
    expect(core.metrics()).toContain('rxwire_messages_published_total 9');
    const again: ServerStats[] = [];
    core.stats$.subscribe((s) => again.push(s)).unsubscribe();
    expect(again).toEqual([expect.objectContaining({ messagesIn: 2, messagesOut: 12, published: 9 })]);
  });
});

describe('the server core stays transport-free', () => {
  it('imports neither ws nor node:http nor node:net, in any of its files', () => {
    const dir = fileURLToPath(new URL('../../src/server/core', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((m) => /^(ws|node:http|node:net|http|net|node:stream|stream)$/.test(m!)), file).toEqual([]);
    }
  });
});
