import { Observable, SchedulerLike, Subject, asyncScheduler, filter, map } from 'rxjs';
import type { WebSocketConstructor } from '../client/types';
import { playScript, type FakeScript } from './fakeScript';
import { FakeSocketImpl, type FakeSocket, type SocketHost, type SocketLog } from './fakeSocket';

/** What {@link createFakeWebSocket} returns. */
export interface FakeWebSocketKit {
  /** Pass this as the client's `WebSocketCtor`. */
  readonly WebSocketCtor: WebSocketConstructor;
  /** Every socket created so far, in order. */
  readonly sockets: readonly FakeSocket[];
  /**
   * The lifetime of every socket, live: pass it to `expectSubscriptions` to assert
   * frame by frame when each connection was made and closed.
   */
  readonly socketLogs: SocketLog[];
  /**
   * Scripts the server's side of the next socket the client creates (the first
   * unscripted one), as a marble diagram read from the socket's creation:
   * `o` accepts the connection (opens it and sends rxwire's `welcome` frame), `O` only
   * opens it (the client stays connecting), `|` closes it normally (1000), `#` drops it (1006),
   * any other character sends `values[char]` (or a {@link closeWith} value closes
   * with that code). A socket with no script stays connecting forever.
   *
   * @example
   * ```ts
   * kit.script('-o--a--b', { a: { n: 1 }, b: { n: 2 } });
   * kit.script('-o-' + '#');          // the second connection drops at once
   * ```
   */
  script(marbles: string, values?: Record<string, unknown>): void;
  /**
   * The frames the client sends on socket `index` (0-based), parsed from JSON
   * where they are JSON, at the frame they are sent. Subscribe before they are sent
   * (as `expectObservable` does at frame 0).
   */
  sent$(index: number): Observable<unknown>;
}

/** Options of {@link createFakeWebSocket}. */
export interface FakeWebSocketOptions {
  /**
   * The scheduler the scripts run on. Inside `TestScheduler.run` the default is virtual.
   * @defaultValue asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * A fake WebSocket class and the server side that scripts it, driven by a scheduler,
 * so a whole client runs in virtual time under `TestScheduler.run`: script what the
 * server sends and when it closes as marble diagrams, then assert what the client
 * sent and when it connected.
 *
 * @example
 * ```ts
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ expectObservable, expectSubscriptions }) => {
 *   const kit = createFakeWebSocket();
 *   kit.script('-o-a', { a: { hello: 'world' } });
 *   const client = createClient({ url: 'ws://test', WebSocketCtor: kit.WebSocketCtor, heartbeat: false });
 *   expectObservable(client.messages$.pipe(take(1))).toBe('---(a|)', { a: { hello: 'world' } });
 *   expectSubscriptions(kit.socketLogs).toBe('^--!');
 * });
 * ```
 */
export function createFakeWebSocket(options: FakeWebSocketOptions = {}): FakeWebSocketKit {
  const { scheduler = asyncScheduler } = options;
  const sockets: FakeSocketImpl[] = [];
  const socketLogs: SocketLog[] = [];
  const scripts: FakeScript[] = [];
  const sentFrames = new Subject<{ index: number; data: unknown }>();
  const host: SocketHost = {
    scheduler,
    register(socket) {
      const index = sockets.length;
      const log: SocketLog = { subscribedFrame: scheduler.now(), unsubscribedFrame: Infinity };
      sockets.push(socket);
      socketLogs.push(log);
      return { index, log };
    },
    sent: (index, data) => sentFrames.next({ index, data }),
  };

  class KitSocket extends FakeSocketImpl {
    constructor(url: string, protocols?: string | string[], init?: { headers?: Record<string, string> }) {
      super(host, url, protocols, init);
      const script = scripts.shift();
      if (script) playScript(this, scheduler, script);
    }
  }

  return {
    WebSocketCtor: KitSocket,
    sockets,
    socketLogs,
    script(marbles, values = {}) {
      scripts.push({ marbles, values });
    },
    sent$(index) {
      return sentFrames.pipe(
        filter((sent) => sent.index === index),
        map(({ data }) => parseIfJson(data)),
      );
    },
  };
}

/** A frame as `sent$` emits it: parsed from JSON where it is JSON, as sent otherwise. */
function parseIfJson(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
