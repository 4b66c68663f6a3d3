import { config } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSocket, type OpenSocket, type SocketHooks } from '../../src/client/socket';
import type { WebSocketLike } from '../../src/client/types';

/** A bare socket driven by hand: what the attempt does with it, and what it is told. */
class HandSocket implements WebSocketLike {
  static last: HandSocket;
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  binaryType = 'blob';
  closes: Array<[number | undefined, string | undefined]> = [];
  sent: string[] = [];
  throwOnSend: unknown = undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {
    HandSocket.last = this;
  }
  send(data: string): void {
    if (this.throwOnSend !== undefined) throw this.throwOnSend;
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closes.push([code, reason]);
    this.readyState = 2;
  }
}

function hooks(overrides: Partial<SocketHooks> = {}): SocketHooks {
  return {
    WebSocketCtor: HandSocket as never,
    heartbeat: false,
    closeTimeout: 1000,
    maxDepth: 32,
    maxPayload: 1 << 20,
    connectTimeout: 10_000,
    acceptance: true,
    scheduler: undefined,
    decode: (message) => ((message as { type?: string }).type === 'welcome' ? { kind: 'accepted' } : { kind: 'event', name: 'e', data: message }) as never,
    unbatch: () => undefined,
    onBatchIn: () => undefined,
    hello: () => [{ type: 'hello' }],
    closed: () => undefined,
    onMessage: () => undefined,
    onClosing: () => undefined,
    onFrameIn: () => undefined,
    onFrameOut: () => undefined,
    onDecodeError: () => undefined,
    onRoundTrip: () => undefined,
    ...overrides,
  };
}

const target = { url: 'ws://x', protocols: [], headers: undefined, token: undefined };
const context = { attempt: 0, refresh: false, token: undefined };

describe('one socket attempt on a raw WebSocket', () => {
  afterEach(() => {
    config.onUnhandledError = null;
  });

  it('sets arraybuffer frames, sends the handshake on open, is accepted by the welcome frame, and closes with 1000 when left', () => {
    const accepted: OpenSocket[] = [];
    const sub = openSocket(target, hooks(), context).subscribe((s) => accepted.push(s));
    const raw = HandSocket.last;
    expect(raw.binaryType).toBe('arraybuffer');
    raw.readyState = 1;
    raw.onopen!({});
    expect(raw.sent).toEqual(['{"type":"hello"}']);
    expect(accepted).toHaveLength(0);
    raw.onmessage!({ data: '{"type":"welcome"}' });
    expect(accepted).toHaveLength(1);
    accepted[0]!.send('{"type":"x"}');
    expect(raw.sent).toEqual(['{"type":"hello"}', '{"type":"x"}']);
    sub.unsubscribe();
    expect(raw.closes).toEqual([[1000, 'normal closure']]);
  });

  it('closes a socket abandoned while connecting, and again one that opens after all, sending nothing; later events change nothing', () => {
    const hello = vi.fn(() => []);
    const error = vi.fn();
    const sub = openSocket(target, hooks({ hello }), context).subscribe({ error });
    const raw = HandSocket.last;
    sub.unsubscribe();
    expect(raw.closes).toEqual([[undefined, undefined]]);
    raw.readyState = 1;
    raw.onopen!({});
    expect(raw.closes).toHaveLength(2);
    expect(hello).not.toHaveBeenCalled();
    expect(() => raw.onerror!({ type: 'error' })).not.toThrow();
    raw.onclose!({ code: 1006, reason: '', wasClean: false });
    expect(error).not.toHaveBeenCalled();
  });

  it('fails with a close error on a clean close, and on an error event', () => {
    const errors: unknown[] = [];
    openSocket(target, hooks(), context).subscribe({ error: (e) => errors.push(e) });
    HandSocket.last.onclose!({ code: 4000, reason: 'bye', wasClean: true });
    openSocket(target, hooks(), context).subscribe({ error: (e) => errors.push(e) });
    HandSocket.last.onerror!({ type: 'error' });
    expect(errors.map((e) => [(e as Error).name, (e as { code?: number }).code])).toEqual([
      ['ConnectionClosedError', 4000],
      ['ConnectionClosedError', 1006],
    ]);
  });

  it('reports what a message observer throws as RxJS does, and keeps the connection', async () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (e) => reported.push(e);
    const boom = new Error('observer bug');
    const error = vi.fn();
    openSocket(target, hooks({ onMessage: () => {
      throw boom;
    } }), context).subscribe({ error });
    const raw = HandSocket.last;
    raw.readyState = 1;
    raw.onopen!({});
    raw.onmessage!({ data: '{"type":"welcome"}' });
    raw.onmessage!({ data: '{"type":"other"}' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reported).toEqual([boom]);
    expect(error).not.toHaveBeenCalled();
  });

  it('a send that throws a close code closes the socket with it', () => {
    const accepted: OpenSocket[] = [];
    openSocket(target, hooks(), context).subscribe((s) => accepted.push(s));
    const raw = HandSocket.last;
    raw.readyState = 1;
    raw.onopen!({});
    raw.onmessage!({ data: '{"type":"welcome"}' });
    raw.throwOnSend = { code: 4500, reason: 'nope' };
    accepted[0]!.send('{}');
    expect(raw.closes).toEqual([[4500, 'nope']]);
  });
});

/** A `ws`-like socket (terminate() on its prototype, an `on` method): frames come through `message` listeners. */
class WsLikeSocket extends HandSocket {
  listeners: Array<(data: unknown, isBinary: boolean) => void> = [];
  on(event: string, listener: (data: unknown, isBinary: boolean) => void): this {
    if (event === 'message') this.listeners.push(listener);
    return this;
  }
  terminate(): void {
    this.readyState = 3;
  }
  emitMessage(data: unknown, isBinary: boolean): void {
    for (const listener of this.listeners) listener(data, isBinary);
  }
}

describe('one socket attempt on a ws socket', () => {
  afterEach(() => {
    config.onUnhandledError = null;
  });

  it("listens to ws's own message event: text frames as their Buffer (counted by its byte length), binary ones reported", () => {
    const messages: unknown[] = [];
    const sizes: number[] = [];
    const decodeErrors: unknown[] = [];
    const accepted: OpenSocket[] = [];
    const hookSet = hooks({ WebSocketCtor: WsLikeSocket as never, onMessage: (m) => messages.push(m), onFrameIn: (n) => sizes.push(n), onDecodeError: (e) => decodeErrors.push(e) });
    openSocket(target, hookSet, context).subscribe((s) => accepted.push(s));
    const raw = HandSocket.last as WsLikeSocket;
    expect(raw.onmessage).toBeNull();
    expect(raw.listeners).toHaveLength(1);
    raw.readyState = 1;
    raw.onopen!({});
    raw.emitMessage(Buffer.from('{"type":"welcome"}'), false);
    expect(accepted).toHaveLength(1);
    raw.emitMessage(Buffer.from('{"type":"t","x":"é"}'), false);
    raw.emitMessage(new ArrayBuffer(3), true);
    raw.emitMessage(Buffer.from('{nope'), false);
    expect(messages).toEqual([{ type: 't', x: 'é' }]);
    // 'é' is two bytes in UTF-8: the Buffer's length, not the string's
    expect(sizes).toEqual([18, 21, 3, 5]);
    expect(decodeErrors.map((e) => (e as { reason: string }).reason)).toEqual([
      'binary frames are not part of the JSON envelope',
      expect.stringMatching(/^invalid JSON/),
    ]);
  });

  it('reports what a message observer throws on the ws path as RxJS does, and ignores frames once torn down', async () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (e) => reported.push(e);
    const boom = new Error('observer bug');
    const onMessage = vi.fn(() => {
      throw boom;
    });
    const sub = openSocket(target, hooks({ WebSocketCtor: WsLikeSocket as never, onMessage }), context).subscribe({ error: () => undefined });
    const raw = HandSocket.last as WsLikeSocket;
    raw.readyState = 1;
    raw.onopen!({});
    raw.emitMessage(Buffer.from('{"type":"welcome"}'), false);
    raw.emitMessage(Buffer.from('{"type":"other"}'), false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(reported).toEqual([boom]);
    sub.unsubscribe();
    raw.emitMessage(Buffer.from('{"type":"late"}'), false);
    expect(onMessage).toHaveBeenCalledTimes(1);
  });
});
