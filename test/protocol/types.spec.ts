import { describe, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import type { ChannelMessage, ChannelParams, ResponseOf } from '../../src/protocol/defineProtocol';
import { createFakeWebSocket } from '../../src/testing';
import { smartHome } from '../support/smartHome';

// These assertions are checked by `tsc` (npm test type-checks the tests first):
// each @ts-expect-error fails the build if the line below it compiles.
describe('types inferred from defineProtocol', () => {
  const client = createClient({ url: 'ws://x', WebSocketCtor: createFakeWebSocket().WebSocketCtor, protocol: smartHome });

  it('types a channel by its name and params', () => {
    expectTypeOf(client.channel('device', { id: 'oven-1' })).toEqualTypeOf<Observable<{ id: string; temperature: number }>>();
    expectTypeOf<ChannelParams<typeof smartHome, 'room'>>().toEqualTypeOf<{ building: string; floor: number }>();
    expectTypeOf<ChannelMessage<typeof smartHome, 'room'>>().toEqualTypeOf<{ text: string }>();
    // @ts-expect-error: no such channel
    client.channel('toaster', { id: 'x' });
    // @ts-expect-error: wrong params
    client.channel('device', { id: 1 });
    // @ts-expect-error: missing params
    client.channel('room', { building: 'a' });
  });

  it('types events and requests', () => {
    expectTypeOf(client.event('alert')).toEqualTypeOf<Observable<{ device: string; message: string }>>();
    expectTypeOf(client.request('setTarget', { id: 'oven-1', target: 180 })).toEqualTypeOf<Observable<{ ok: boolean; target: number }>>();
    expectTypeOf<ResponseOf<typeof smartHome, 'setTarget'>>().toEqualTypeOf<{ ok: boolean; target: number }>();
    // @ts-expect-error: no such event
    client.event('alarm');
    // @ts-expect-error: wrong payload
    client.request('setTarget', { id: 'oven-1', target: 'hot' });
    // @ts-expect-error: no such request
    client.request('reboot', {});
  });

  it('gives a client without a protocol no channels at all', () => {
    const bare = createClient({ url: 'ws://x', WebSocketCtor: createFakeWebSocket().WebSocketCtor });
    // @ts-expect-error: the empty protocol has no channels
    bare.channel('device', { id: 'x' });
    expectTypeOf(bare.messages$).toEqualTypeOf<Observable<unknown>>();
  });
});
