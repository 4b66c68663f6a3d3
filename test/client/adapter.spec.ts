import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { asyncScheduler, take } from 'rxjs';
import { createClient } from '../../src/client/createClient';
import { defineProtocol } from '../../src/protocol/defineProtocol';
import type { Inbound, WireAdapter } from '../../src/protocol/adapter';
import { createFakeWebSocket } from '../../src/testing';
import { testScheduler } from '../support/marbles';

/**
 * A device feed that is not rxwire's envelope: subscribe by naming device ids,
 * updates carry the device id and a type. This is the shape of many IoT back ends.
 */
function deviceFeed(): WireAdapter {
  return {
    subscribe: ({ params }) => ({ type: 'subscribe', deviceIds: [(params as { id: string }).id] }),
    unsubscribe: ({ params }) => ({ type: 'unsubscribe', deviceIds: [(params as { id: string }).id] }),
    ping: () => undefined,
    routeKey: ({ params }) => (params as { id: string }).id,
    decode(frame): Inbound {
      const f = frame as { type?: string; deviceId?: string; payload?: unknown };
      if (f.type === 'deviceUpdate' && typeof f.deviceId === 'string') return { kind: 'message', key: f.deviceId, data: f.payload };
      if (f.type === 'alert') return { kind: 'event', name: 'alert', data: f.payload };
      return { kind: 'unknown', reason: `unexpected frame type ${String(f.type)}` };
    },
  };
}

const feed = defineProtocol({
  channels: { device: { params: t.type({ id: t.string }), message: t.type({ state: t.string }) } },
  events: { alert: t.string },
});

describe('a custom WireAdapter', () => {
  it("makes the same client speak another server's protocol", () => {
    testScheduler().run(({ expectObservable }) => {
      const kit = createFakeWebSocket();
      kit.script('-o-abc', {
        a: { type: 'deviceUpdate', deviceId: 'dishwasher', payload: { state: 'rinsing' } },
        b: { type: 'deviceUpdate', deviceId: 'oven', payload: { state: 'heating' } },
        c: { type: 'alert', payload: 'fridge door open' },
      });
      const client = createClient({ url: 'ws://feed', WebSocketCtor: kit.WebSocketCtor, protocol: feed, adapter: deviceFeed() });
      expectObservable(client.channel('device', { id: 'oven' }).pipe(take(1))).toBe('----(b|)', { b: { state: 'heating' } });
      expectObservable(client.event('alert').pipe(take(1))).toBe('-----(c|)', { c: 'fridge door open' });
      expectObservable(kit.sent$(0)).toBe('-s--u', {
        s: { type: 'subscribe', deviceIds: ['oven'] },
        u: { type: 'unsubscribe', deviceIds: ['oven'] },
      });
    });
  });
});

describe('WireAdapter.hello', () => {
  it('sends the handshake first on every connection, before the resubscribes', () => {
    testScheduler().run(({ expectObservable }) => {
      const kit = createFakeWebSocket();
      kit.script('-o-#');
      kit.script('-o');
      const adapter: WireAdapter = { ...deviceFeed(), hello: () => [{ type: 'connection_init' }] };
      const client = createClient({
        url: 'ws://feed',
        WebSocketCtor: kit.WebSocketCtor,
        protocol: feed,
        adapter,
        heartbeat: false,
        reconnect: { initialDelay: 10, jitter: 'none' },
      });
      client.channel('device', { id: 'oven' }).subscribe();
      const values = { h: { type: 'connection_init' }, s: { type: 'subscribe', deviceIds: ['oven'] } };
      expectObservable(kit.sent$(0)).toBe('-(hs)', values);
      expectObservable(kit.sent$(1)).toBe('14ms (hs)', values);
      asyncScheduler.schedule(() => client.close(), 20);
    });
  });
});

describe('a WireAdapter that throws', () => {
  it('errors the one channel whose frame it cannot make, leaves no channel behind, and the others go on', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const kit = createFakeWebSocket();
      kit.script('-o--a', { a: { type: 'deviceUpdate', deviceId: 'oven', payload: { state: 'heating' } } });
      const adapter: WireAdapter = {
        ...deviceFeed(),
        subscribe: (wire) => {
          if ((wire.params as { id: string }).id === 'broken') throw new Error('no frame for this one');
          return deviceFeed().subscribe(wire);
        },
      };
      const client = createClient({ url: 'ws://feed', WebSocketCtor: kit.WebSocketCtor, protocol: feed, adapter });
      expectObservable(client.channel('device', { id: 'oven' }).pipe(take(1))).toBe('----(a|)', { a: { state: 'heating' } });
      expectObservable(client.channel('device', { id: 'broken' }), '--^').toBe('--#', undefined, new Error('no frame for this one'));
      let channels = -1;
      asyncScheduler.schedule(() => client.stats$.subscribe((s) => (channels = s.channels)).unsubscribe(), 3);
      flush();
      expect(channels).toBe(1);
    });
  });
});
