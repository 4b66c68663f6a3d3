import { describe, expect, it } from 'vitest';
import { asyncScheduler, take } from 'rxjs';
import { createClient } from '../../src/index';
import { createFakeWebSocket, closeWith } from '../../src/testing';
import { testScheduler } from '../support/marbles';

type Event = [number, string, unknown?];
const WELCOME = JSON.stringify({ type: 'welcome', connection: 'fake', ping: 30_000 });

/** Drives a fake socket by hand, recording its events with their frames. */
function watch(kit: ReturnType<typeof createFakeWebSocket>, events: Event[], now: () => number) {
  const socket = new kit.WebSocketCtor('ws://x', ['a', 'b']);
  socket.onopen = () => events.push([now(), 'open']);
  socket.onmessage = (e) => events.push([now(), 'message', e.data]);
  socket.onerror = () => events.push([now(), 'error']);
  socket.onclose = (e) => events.push([now(), 'close', [e.code, e.wasClean]]);
  return socket;
}

describe('createFakeWebSocket', () => {
  it('plays a script: o opens and sends the welcome frame, letters send their values, | closes with 1000', () => {
    const events: Event[] = [];
    testScheduler().run(({ expectSubscriptions }) => {
      const kit = createFakeWebSocket();
      kit.script('-o-a-s-|', { a: { n: 1 }, s: 'raw text' });
      const socket = watch(kit, events, () => asyncScheduler.now());
      expectSubscriptions(kit.socketLogs).toBe('^------!');
      expect(socket.readyState).toBe(0);
    });
    expect(events).toEqual([
      [1, 'open'],
      [1, 'message', WELCOME],
      [3, 'message', '{"n":1}'],
      [5, 'message', 'raw text'],
      [7, 'close', [1000, true]],
    ]);
  });

  it('# drops the connection (error, then 1006 unclean) and closeWith closes with a chosen code', () => {
    const events: Event[] = [];
    testScheduler().run(() => {
      const kit = createFakeWebSocket();
      kit.script('o-#');
      kit.script('o-x', { x: closeWith(4403, 'forbidden') });
      watch(kit, events, () => asyncScheduler.now());
      watch(kit, events, () => asyncScheduler.now());
    });
    expect(events).toEqual([
      [0, 'open'],
      [0, 'message', WELCOME],
      [0, 'open'],
      [0, 'message', WELCOME],
      [2, 'error'],
      [2, 'close', [1006, false]],
      [2, 'close', [4403, true]],
    ]);
  });

  it('records what the client sends and how it closes; an unscripted socket stays connecting', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const kit = createFakeWebSocket();
      kit.script('o');
      const socket = watch(kit, [], () => asyncScheduler.now());
      const idle = watch(kit, [], () => asyncScheduler.now());
      cold('-x').subscribe(() => socket.send('{"type":"ping"}'));
      cold('--x').subscribe(() => socket.send('not json'));
      cold('---x').subscribe(() => socket.close(1000, 'bye'));
      expectObservable(kit.sent$(0)).toBe('-ab', { a: { type: 'ping' }, b: 'not json' });
      expectObservable(kit.sent$(1)).toBe('');
      cold('----x').subscribe(() => {
        expect(socket.readyState).toBe(3);
        expect(kit.sockets[0]!.clientCloseCode).toBe(1000);
        expect(kit.sockets[0]!.sent).toEqual(['{"type":"ping"}', 'not json']);
        expect(idle.readyState).toBe(0);
        expect(kit.sockets[1]!.protocols).toEqual(['a', 'b']);
      });
    });
  });
});

describe('the example in docs/testing.md', () => {
  it('runs as documented', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const kit = createFakeWebSocket();
      kit.script('-o--#');
      kit.script('-o-a', { a: { temp: 21 } });
      const client = createClient({
        url: 'ws://test',
        WebSocketCtor: kit.WebSocketCtor,
        reconnect: { initialDelay: 10, jitter: 'none' },
        heartbeat: false,
      });
      expectObservable(client.messages$.pipe(take(1))).toBe('17ms (a|)', { a: { temp: 21 } });
      expectSubscriptions(kit.socketLogs).toBe(['^---!', '14ms ^--!']);
    });
  });
});

describe('createFakeWebSocket: O opens without accepting', () => {
  it('opens the socket and sends nothing, so an rxwire client stays connecting', () => {
    const events: Event[] = [];
    testScheduler().run(() => {
      const kit = createFakeWebSocket();
      kit.script('-O-a', { a: { n: 1 } });
      watch(kit, events, () => asyncScheduler.now());
    });
    expect(events).toEqual([
      [1, 'open'],
      [3, 'message', '{"n":1}'],
    ]);
  });
});
