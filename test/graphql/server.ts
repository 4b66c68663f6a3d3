import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { GraphQLSchema as Schema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

// graphql-ws (an ES module run by Node) loads graphql by its "main", the CommonJS build,
// where Vite would give this file the ".mjs" one: two copies, and graphql refuses a
// schema made by the other. Taking graphql the way graphql-ws does keeps one.
const { GraphQLBoolean, GraphQLError, GraphQLID, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } =
  createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What the test server records, and the hooks a test turns. */
export interface GraphqlServerOptions {
  /** `onConnect`'s verdict, after `connectDelay` ms. @defaultValue true */
  accept?: (params: Record<string, unknown> | undefined) => boolean;
  /** Milliseconds `onConnect` takes. @defaultValue 20 */
  connectDelay?: number;
}

/** A live subscription's feed: the test pushes values into it. */
interface Feed {
  push(n: number): void;
  end(): void;
}

/**
 * A real graphql-ws 6 server on `ws`, at 127.0.0.1 on an ephemeral port (kept across a
 * restart), with a small schema: a query, a mutation-like query that fails with or
 * without data, a finite subscription, a live one the test feeds, and one that fails.
 */
export class GraphqlTestServer {
  port = 0;
  /** `connection_init` payloads, one per connection that sent one. */
  readonly inits: Array<Record<string, unknown> | undefined> = [];
  /** Every `onConnect` verdict given, in order. */
  readonly verdicts: boolean[] = [];
  /** Subscribe messages per live topic, since the server (re)started. */
  readonly subscribes = new Map<string, number>();
  /** Every `subscribe` message's id as received, in order. */
  readonly operationIds: string[] = [];
  /** Pongs the server received (answers to its own pings). */
  pongs = 0;
  /** How many `broken` subscriptions ended on the server (the client's complete). */
  brokenEnded = 0;
  /** Messages sent to the server before `connection_ack` would have closed it with 4401. */
  readonly closes: number[] = [];
  private readonly feeds = new Map<string, Set<Feed>>();
  private readonly sockets = new Set<WebSocket>();
  private wss: WebSocketServer | undefined;
  private dispose: (() => void | Promise<void>) | undefined;

  constructor(private readonly options: GraphqlServerOptions = {}) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  /** Live subscriptions of `topic` on the server now. */
  live(topic: string): number {
    return this.feeds.get(topic)?.size ?? 0;
  }

  /** Sends `n` to every live subscription of `topic`. */
  publish(topic: string, n: number): void {
    for (const feed of this.feeds.get(topic) ?? []) feed.push(n);
  }

  /** Sends a protocol `ping` to every connected client. */
  pingClients(): void {
    for (const socket of this.sockets) socket.send(JSON.stringify({ type: 'ping' }));
  }

  async start(): Promise<this> {
    this.subscribes.clear();
    const wss = new WebSocketServer({ host: '127.0.0.1', port: this.port });
    await once(wss, 'listening');
    this.port = (wss.address() as AddressInfo).port;
    wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', (code) => {
        this.sockets.delete(socket);
        this.closes.push(code);
      });
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type?: string; id?: string };
        if (message.type === 'subscribe' && typeof message.id === 'string') this.operationIds.push(message.id);
      });
    });
    const { accept = () => true, connectDelay = 20 } = this.options;
    const server = useServer(
      {
        schema: this.schema(),
        onConnect: async (ctx) => {
          const params = ctx.connectionParams as Record<string, unknown> | undefined;
          this.inits.push(params);
          await new Promise((resolve) => setTimeout(resolve, connectDelay));
          const verdict = accept(params);
          this.verdicts.push(verdict);
          return verdict;
        },
        onPong: () => {
          this.pongs += 1;
        },
      },
      wss,
    );
    this.wss = wss;
    this.dispose = () => server.dispose();
    return this;
  }

  /** Stops the server: every client is closed (1001) and the port released. */
  async stop(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    if (!wss) return;
    await this.dispose?.();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const feeds of this.feeds.values()) for (const feed of feeds) feed.end();
    this.feeds.clear();
  }

  /**
   * A live subscription's source: values pushed by `publish`, ended by the client's
   * `complete` (graphql-ws calls `return()`, which must not wait for a next value, as an
   * async generator suspended in an `await` would) or by `stop()`.
   */
  private feed(topic: string, wrap: (n: number) => unknown, onEnd: () => void = () => undefined): AsyncIterableIterator<unknown> {
    const queue: unknown[] = [];
    let waiting: ((result: IteratorResult<unknown>) => void) | undefined;
    let done = false;
    const feeds = this.feeds.get(topic) ?? new Set<Feed>();
    this.feeds.set(topic, feeds);
    const finish = (): Promise<IteratorResult<unknown>> => {
      if (!done) {
        done = true;
        feeds.delete(feed);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
        onEnd();
      }
      return Promise.resolve({ value: undefined, done: true });
    };
    const feed: Feed = {
      push: (n) => {
        if (done) return;
        if (waiting) {
          waiting({ value: wrap(n), done: false });
          waiting = undefined;
        } else queue.push(wrap(n));
      },
      end: () => void finish(),
    };
    feeds.add(feed);
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private schema(): Schema {
    const Room = new GraphQLObjectType({ name: 'Room', fields: { name: { type: new GraphQLNonNull(GraphQLString) } } });
    const Tick = new GraphQLObjectType({
      name: 'Tick',
      fields: {
        n: { type: new GraphQLNonNull(GraphQLInt) },
        note: {
          type: GraphQLString,
          resolve: (tick: { n: number }) => {
            if (tick.n % 2 === 0) throw new GraphQLError(`no note for ${tick.n}`);
            return `tick ${tick.n}`;
          },
        },
      },
    });
    const Outcome = new GraphQLObjectType({
      name: 'Outcome',
      fields: {
        ok: { type: GraphQLString, resolve: () => 'fine' },
        bad: {
          type: GraphQLString,
          resolve: () => {
            throw new GraphQLError('bad field', { extensions: { code: 'BAD_FIELD' } });
          },
        },
      },
    });
    return new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          room: {
            type: Room,
            args: { id: { type: new GraphQLNonNull(GraphQLID) } },
            resolve: (_root, { id }: { id: string }) => ({ name: id.charAt(0).toUpperCase() + id.slice(1) }),
          },
          outcome: {
            // Non-null: a failure nulls the whole result (no data at all).
            type: new GraphQLNonNull(Outcome),
            args: { fail: { type: new GraphQLNonNull(GraphQLBoolean) } },
            resolve: (_root, { fail }: { fail: boolean }) => {
              if (fail) throw new GraphQLError('no outcome', { extensions: { code: 'NO_OUTCOME' } });
              return {};
            },
          },
        },
      }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          ticks: {
            type: new GraphQLNonNull(Tick),
            args: { count: { type: new GraphQLNonNull(GraphQLInt) } },
            subscribe: async function* (_root: unknown, { count }: { count: number }) {
              for (let n = 1; n <= count; n++) yield { ticks: { n } };
            },
          },
          live: {
            type: new GraphQLNonNull(Tick),
            args: { topic: { type: new GraphQLNonNull(GraphQLString) } },
            subscribe: (_root: unknown, { topic }: { topic: string }) => {
              this.subscribes.set(topic, (this.subscribes.get(topic) ?? 0) + 1);
              return this.feed(topic, (n) => ({ live: { n } }));
            },
          },
          broken: {
            type: new GraphQLNonNull(GraphQLInt),
            subscribe: () => this.feed('broken', (n) => ({ broken: n }), () => (this.brokenEnded += 1)),
            resolve: () => {
              throw new GraphQLError('sensor offline', { extensions: { code: 'UNAVAILABLE' } });
            },
          },
        },
      }),
    });
  }
}
