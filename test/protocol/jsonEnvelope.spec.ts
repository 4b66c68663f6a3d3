import { describe, expect, it } from 'vitest';
import { jsonEnvelope } from '../../src/protocol/jsonEnvelope';

const wire = jsonEnvelope();

describe('jsonEnvelope', () => {
  it('writes subscribe, resubscribe with since, unsubscribe, request and ping frames', () => {
    expect(wire.subscribe({ id: '1', channel: 'device', params: { id: 'a' } })).toEqual({ type: 'sub', id: '1', channel: 'device', params: { id: 'a' } });
    expect(wire.subscribe({ id: '2', channel: 'device', params: {}, since: { epoch: 'E1', offset: 41 } })).toEqual({
      type: 'sub',
      id: '2',
      channel: 'device',
      params: {},
      since: { epoch: 'E1', offset: 41 },
    });
    expect(wire.unsubscribe({ id: '2', channel: 'device', params: {} })).toEqual({ type: 'unsub', id: '2' });
    expect(wire.request!({ id: 'r1', name: 'setTarget', payload: { t: 1 } })).toEqual({ type: 'req', id: 'r1', name: 'setTarget', payload: { t: 1 } });
    expect(wire.ping()).toEqual({ type: 'ping' });
  });

  it('asks for batched answers only when told to: a client with a small maxPayload must not get them', () => {
    const frames = [{ type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } }];
    expect(jsonEnvelope().batch!(frames)).toEqual({ type: 'batch', frames });
    expect(jsonEnvelope({ batchAnswers: false }).batch!(frames)).toEqual({ type: 'batch', frames });
    expect(jsonEnvelope({ batchAnswers: true }).batch!(frames)).toEqual({ type: 'batch', frames, reply: 'batch' });
    // Either way it reads a server batch as the frames it carries.
    expect(jsonEnvelope().unbatch!({ type: 'batch', frames: [{ type: 'pong' }] })).toEqual([{ type: 'pong' }]);
    expect(jsonEnvelope().unbatch!({ type: 'pong' })).toBeUndefined();
  });

  it('reads every server frame', () => {
    expect(wire.decode({ type: 'msg', id: '1', offset: 3, data: { a: 1 } })).toEqual({ kind: 'message', key: '1', offset: 3, data: { a: 1 } });
    expect(wire.decode({ type: 'msg', id: '1', epoch: 'E2', offset: 1, data: 0 })).toEqual({ kind: 'message', key: '1', epoch: 'E2', offset: 1, data: 0 });
    expect(wire.decode({ type: 'subscribed', id: '1', epoch: 'E1', offset: 9 })).toEqual({ kind: 'subscribed', key: '1', epoch: 'E1', offset: 9 });
    expect(wire.decode({ type: 'error', id: '1', code: 'FORBIDDEN', message: 'no' })).toMatchObject({ kind: 'subscription-error', key: '1', error: { code: 'FORBIDDEN', message: 'no' } });
    expect(wire.decode({ type: 'gap', id: '1', epoch: 'E1', from: 4, to: 8, lost: 5 })).toEqual({ kind: 'gap', key: '1', epoch: 'E1', from: 4, to: 8, lost: 5 });
    expect(wire.decode({ type: 'gap', id: '1', epoch: 'E2' })).toEqual({ kind: 'gap', key: '1', epoch: 'E2' });
    expect(wire.decode({ type: 'event', name: 'alert', data: 1 })).toEqual({ kind: 'event', name: 'alert', data: 1 });
    expect(wire.decode({ type: 'res', id: 'r1', data: 2 })).toEqual({ kind: 'response', id: 'r1', data: 2 });
    expect(wire.decode({ type: 'res', id: 'r1', error: { code: 'E', message: 'm' } })).toMatchObject({ kind: 'response', id: 'r1', error: { code: 'E' } });
    expect(wire.decode({ type: 'pong' })).toEqual({ kind: 'pong' });
  });

  it.each([
    [null, 'not an rxwire envelope'],
    [[1, 2], 'not an rxwire envelope'],
    [{ type: 'teleport' }, 'not an rxwire envelope'],
    [{ type: 'msg', id: 7, data: {} }, 'malformed "msg" frame: "id" must be a string'],
    [{ type: 'gap', id: '1', epoch: 'E', from: 9, to: 3 }, 'malformed "gap" frame'],
    [{ type: 'gap', id: '1', epoch: 'E', from: 0, to: 3 }, 'malformed "gap" frame'],
    [{ type: 'gap', id: '1', epoch: 'E', from: 2 }, 'malformed "gap" frame'],
    [{ type: 'gap', id: '1', epoch: 'E', lost: -1 }, 'malformed "gap" frame'],
    [{ type: 'gap', id: '1', from: 1, to: 3 }, 'malformed "gap" frame'],
    [{ type: 'gap', id: '1', epoch: '' }, 'malformed "gap" frame'],
    [{ type: 'msg', id: '1', epoch: 7, offset: 1, data: {} }, 'malformed "msg" frame: "epoch" must be a non-empty string'],
    [{ type: 'res', id: 'r1', error: 'bad' }, 'malformed "res" frame'],
    [{ type: 'error', id: '1' }, 'malformed "error" frame'],
    [{ type: 'event', name: 5 }, 'malformed "event" frame'],
  ])('reports %j as unknown with a reason', (frame, reason) => {
    const inbound = wire.decode(frame);
    expect(inbound.kind).toBe('unknown');
    expect((inbound as { reason: string }).reason).toContain(reason);
  });

  it('ignores an offset that is not a safe non-negative integer, and a subscribed position that is not one', () => {
    expect(wire.decode({ type: 'msg', id: '1', offset: 1e300, data: 0 })).toEqual({ kind: 'message', key: '1', offset: undefined, data: 0 });
    expect(wire.decode({ type: 'msg', id: '1', offset: -1, data: 0 })).toEqual({ kind: 'message', key: '1', offset: undefined, data: 0 });
    expect(wire.decode({ type: 'subscribed', id: '1', epoch: 5, offset: 'x' })).toEqual({ kind: 'subscribed', key: '1', epoch: undefined, offset: undefined });
  });
});
