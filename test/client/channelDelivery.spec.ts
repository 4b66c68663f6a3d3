import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/createClient';
import { createFakeWebSocket } from '../../src/testing';
import { DecodeError } from '../../src/protocol/errors';
import { jsonEnvelope } from '../../src/protocol/jsonEnvelope';
import { smartHome } from '../support/smartHome';
import { testScheduler } from '../support/marbles';
import { catchUnhandled, unhandled } from '../support/unhandled';

// The delivery of a message to a channel's only function observer skips its sink (see
// ChannelEntry.next): these pin what must stay the same whichever path a message takes.

function setup(script: string, values: Record<string, unknown>) {
  const kit = createFakeWebSocket();
  kit.script(script, values);
  const client = createClient({
    url: 'ws://test',
    WebSocketCtor: kit.WebSocketCtor,
    protocol: smartHome,
    adapter: { ...jsonEnvelope(), acceptance: false },
    heartbeat: false,
  });
  const errors: unknown[] = [];
  client.errors$.subscribe((e) => errors.push(e));
  return { client, errors };
}

const oven = (temperature: number) => ({ id: 'oven-1', temperature });
const msg = (offset: number, data: unknown) => ({ type: 'msg', id: '1', offset, data });
const values = {
  s: { type: 'subscribed', id: '1', epoch: 'e1', offset: 0 },
  a: msg(1, oven(1)),
  b: msg(2, oven(2)),
  c: msg(3, oven(3)),
  d: msg(4, oven(4)),
  e: msg(5, oven(5)),
};


describe('delivery to a channel', () => {
  it('goes to the observers present at each message as they join and leave, the first one throughout', () => {
    const first: number[] = [];
    const second: number[] = [];
    testScheduler().run(({ cold }) => {
      const { client } = setup('-os-a-b-c-d-e', values);
      const device = client.channel('device', { id: 'oven-1' });
      device.subscribe((m) => first.push(m.temperature));
      // The second joins after a, leaves after c: the first is alone again for d and e.
      cold('-----x').subscribe(() => {
        const sub = device.subscribe((m) => second.push(m.temperature));
        cold('----x').subscribe(() => sub.unsubscribe());
      });
    });
    expect(first).toEqual([1, 2, 3, 4, 5]);
    expect(second).toEqual([2, 3]);
  });

  it('delivers nothing to an observer after it unsubscribed, itself from its own callback included', () => {
    const seen: number[] = [];
    testScheduler().run(() => {
      const { client } = setup('-os-(abc)', values);
      const sub = client.channel('device', { id: 'oven-1' }).subscribe((m) => {
        seen.push(m.temperature);
        if (m.temperature === 2) sub.unsubscribe();
      });
    });
    expect(seen).toEqual([1, 2]);
  });

  it('reports what an observer throws, and goes on delivering to it', async () => {
    catchUnhandled();
    const seen: number[] = [];
    testScheduler().run(() => {
      const { client } = setup('-os-abc', values);
      client.channel('device', { id: 'oven-1' }).subscribe((m) => {
        seen.push(m.temperature);
        if (m.temperature === 2) throw new Error('observer bug');
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([1, 2, 3]);
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['observer bug']);
  });

  it('reports an invalid message and keeps its offset: a replay of it is a duplicate, the next message is no gap', () => {
    const seen: number[] = [];
    let result: ReturnType<typeof setup> | undefined;
    testScheduler().run(() => {
      result = setup('-os-abbc', { ...values, b: msg(2, { id: 'oven-1', temperature: 'hot' }) });
      result.client.channel('device', { id: 'oven-1' }).subscribe((m) => seen.push(m.temperature));
      result.client.gaps$.subscribe((g) => result!.errors.push(g));
    });
    expect(seen).toEqual([1, 3]);
    expect(result!.errors).toHaveLength(1);
    expect(result!.errors[0]).toBeInstanceOf(DecodeError);
    expect((result!.errors[0] as DecodeError).message).toContain('temperature');
  });

  it('stops delivering to an observer the channel errored, and to one that completed', () => {
    const seen: string[] = [];
    testScheduler().run(() => {
      const { client } = setup('-os-ax-b', { ...values, x: { type: 'error', id: '1', code: 'gone', message: 'gone' } });
      client.channel('device', { id: 'oven-1' }).subscribe({ next: (m) => seen.push(`next ${m.temperature}`), error: () => seen.push('error') });
    });
    expect(seen).toEqual(['next 1', 'error']);
  });
});
