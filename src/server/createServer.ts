import { createServer as createHttpServer, IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { Subject, asyncScheduler, auditTime, defer, map, merge, of } from 'rxjs';
import { CloseCode } from '../protocol/closeCodes';
import type { EmptyProtocol, Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { ValidationError } from '../protocol/errors';
import { check } from '../protocol/validate';
import { canonicalParams } from '../protocol/canonical';
import { memoryBroker } from './brokers/memoryBroker';
import { ServerConnection, streamKey } from './connection';
import { WriteBatch } from './frames';
import { ForbiddenError, ServerClosedError } from './errors';
import { ServerMetrics, type RefusalReason } from './metrics';
import type { ConnectionEvent, PresenceMember, RequestHandler, Server, ServerOptions, ServerStats } from './types';
import { randomUUID } from 'node:crypto';

const TOKEN_PROTOCOL = 'bearer.';

function tokenOf(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7);
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const offered = request.headers['sec-websocket-protocol'];
  return offered
    ?.split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_PROTOCOL))
    ?.slice(TOKEN_PROTOCOL.length);
}

/** `authenticate` took longer than `upgradeTimeout`. */
class UpgradeTimeout extends Error {}

function refuseHttp(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Starts an rxwire server on `ws`: the envelope of docs/protocol.md, typed by the same
 * `defineProtocol` definition as the clients, with authentication at the upgrade,
 * per-subscription authorization, limits, liveness pings, and history for recovery.
 * Resolves once it listens.
 *
 * @example
 * ```ts
 * const server = await createServer({
 *   protocol: smartHome,
 *   port: 8080,
 *   authenticate: ({ token }) => users.byToken(token), // undefined -> 4401
 *   // params arrive decoded, typed unknown: narrow them per channel
 *   authorize: (user, channel, params) => channel === 'device' && user.devices.includes((params as { id: string }).id),
 * });
 * server.handle('setTarget', ({ id, target }) => ovens.set(id, target));
 * await server.publish('device', { id: 'oven-1' }, { id: 'oven-1', temperature: 182 });
 * ```
 */
export async function createServer<P extends Protocol = EmptyProtocol, A = unknown>(options: ServerOptions<P, A>): Promise<Server<P, A>> {
  const {
    protocol,
    port = 0,
    host = '127.0.0.1',
    server: given,
    path,
    authenticate = () => undefined as A,
    authorize,
    refuseWith = 'close',
    origins,
    broker = memoryBroker(),
    limits: {
      maxPayload = 1_048_576,
      maxSubscriptions = 1000,
      rate = { messages: 2000, interval: 1000 },
      maxBufferedBytes = 4_194_304,
      maxDepth = 64,
      maxConnections = 10_000,
      maxConnectionsPerAddress = 1000,
    } = {},
    pingInterval = 30_000,
    upgradeTimeout = 10_000,
    closeTimeout = 2000,
    addressOf = (request: IncomingMessage) => request.socket.remoteAddress ?? 'unknown',
    metricsPath,
  } = options;
  const ownsBroker = options.broker === undefined;
  const instance = randomUUID();
  const hasAuthenticate = options.authenticate !== undefined;

  const http: HttpServer =
    given ??
    createHttpServer(
      // Stalled handshakes are cut off: headers must arrive within upgradeTimeout.
      { headersTimeout: upgradeTimeout, requestTimeout: upgradeTimeout, connectionsCheckingInterval: Math.min(1000, upgradeTimeout) },
      (request, response) => {
        if (metricsPath !== undefined && request.method === 'GET' && new URL(request.url ?? '/', 'http://localhost').pathname === metricsPath) {
          response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics());
          return;
        }
        response.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket only');
      },
    );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: false,
    // Select an application protocol, never the entry carrying the token.
    handleProtocols: (offered) => [...offered].find((p) => !p.startsWith(TOKEN_PROTOCOL)) ?? false,
  });

  const connections = new Map<string, ServerConnection<A>>();
  const handlers = new Map<string, RequestHandler<unknown, unknown, A>>();
  const events = new Subject<ConnectionEvent<A>>();
  const statsChanged = new Subject<void>();
  const counters = { messagesIn: 0, messagesOut: 0, published: 0, refused: 0, closedForLimits: 0, subscriptions: 0 };
  const figures = new ServerMetrics();
  const metrics = (): string => figures.render({ connections: connections.size, subscriptions: counters.subscriptions }, counters);
  // Every TCP socket from its upgrade request until it is gone (accepted, refused and
  // still closing, or half-way through authenticate), in all and per address.
  let held = 0;
  const heldByAddress = new Map<string, number>();
  let ids = 0;
  let closed = false;

  const context = {
    protocol,
    broker,
    handlers,
    authorize: authorize as ((principal: A, channel: string, params: unknown) => boolean | Promise<boolean>) | undefined,
    maxSubscriptions,
    rate,
    maxBufferedBytes,
    maxDepth,
    writes: new WriteBatch(),
    presence: options.presence
      ? (connection: { id: string; principal: A }) => JSON.stringify({ connection: `${instance}/${connection.id}`, info: options.presence!(connection.principal) ?? null })
      : undefined,
    count(what: 'in' | 'out' | 'dropped' | 'subscription' | 'limit', delta = 1) {
      if (what === 'in') counters.messagesIn += 1;
      else if (what === 'out') counters.messagesOut += 1;
      else if (what === 'dropped') figures.dropped += 1;
      else if (what === 'subscription') counters.subscriptions += delta;
      else counters.closedForLimits += 1;
      statsChanged.next();
    },
    answered: (name: string, ms: number) => figures.request(name, ms),
  };

  const accept = (socket: WebSocket, principal: A): void => {
    const connection = new ServerConnection(String(++ids), principal, socket, context);
    connections.set(connection.id, connection);
    // Accepted means open: the client's state$ becomes open, and it sends anything, only
    // after this frame, so nothing goes into a connection that is about to be refused.
    connection.send(JSON.stringify({ type: 'welcome', connection: connection.id, ping: pingInterval }));
    events.next({ type: 'connected', connection: connection.info });
    statsChanged.next();
    socket.on('close', (code, reason) => {
      connections.delete(connection.id);
      // A peer cut off by this side reports 1006 locally: tell the code it was sent.
      const own = connection.closedWith;
      figures.closed(own?.code ?? code);
      events.next({ type: 'disconnected', connection: connection.info, code: own?.code ?? code, reason: own?.reason ?? reason.toString() });
      statsChanged.next();
    });
  };

  /**
   * Accepts the upgrade, then closes at once with `code`: 4401 (no principal: clients
   * retry once with a fresh token), 4403 (forbidden: final), or 1013 (authentication
   * could not be done now: clients retry with backoff). Nothing the peer sends is ever
   * read; a peer that does not complete the close within closeTimeout is destroyed.
   */
  const refuse = (request: IncomingMessage, socket: Duplex, head: Buffer, code: number): void => {
    counters.refused += 1;
    const reason = code === CloseCode.Forbidden ? 'forbidden' : code === CloseCode.Unauthorized ? 'unauthorized' : 'try again later';
    figures.refused(code === CloseCode.Forbidden ? 'forbidden' : code === CloseCode.Unauthorized ? 'unauthorized' : 'unavailable');
    statsChanged.next();
    if (refuseWith === 'http') {
      return refuseHttp(socket, code === CloseCode.Forbidden ? 403 : code === CloseCode.Unauthorized ? 401 : 503, code === CloseCode.Forbidden ? 'Forbidden' : code === CloseCode.Unauthorized ? 'Unauthorized' : 'Service Unavailable');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.close(code, reason);
      const timer = setTimeout(() => ws.terminate(), closeTimeout);
      ws.once('close', () => clearTimeout(timer));
    });
  };

  /** Refuses at the HTTP level, counted under `reason`. */
  const turnAway = (socket: Duplex, status: number, text: string, reason: RefusalReason): void => {
    counters.refused += 1;
    figures.refused(reason);
    statsChanged.next();
    refuseHttp(socket, status, text);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (closed) return turnAway(socket, 503, 'Service Unavailable', 'closing');
    if (path !== undefined && new URL(request.url ?? '/', 'http://localhost').pathname !== path) return turnAway(socket, 404, 'Not Found', 'not_found');
    const origin = request.headers.origin;
    if (origins && origin !== undefined && !origins.includes(origin)) return turnAway(socket, 403, 'Forbidden', 'origin');
    if (held >= maxConnections) return turnAway(socket, 503, 'Service Unavailable', 'capacity');
    let address: string;
    try {
      address = addressOf(request);
    } catch {
      address = request.socket.remoteAddress ?? 'unknown';
    }
    const fromAddress = heldByAddress.get(address) ?? 0;
    if (fromAddress >= maxConnectionsPerAddress) return turnAway(socket, 503, 'Service Unavailable', 'address_capacity');
    held += 1;
    heldByAddress.set(address, fromAddress + 1);
    let released = false;
    socket.once('close', () => {
      if (released) return;
      released = true;
      held -= 1;
      const left = (heldByAddress.get(address) ?? 1) - 1;
      if (left > 0) heldByAddress.set(address, left);
      else heldByAddress.delete(address);
    });
    socket.on('error', () => socket.destroy());
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new UpgradeTimeout()), upgradeTimeout);
    });
    Promise.race([Promise.resolve().then(() => authenticate({ token: tokenOf(request), request })), slow])
      .finally(() => clearTimeout(timer))
      .then(
        (principal) => {
          if (closed) return turnAway(socket, 503, 'Service Unavailable', 'closing');
          if (principal === undefined && hasAuthenticate) return refuse(request, socket, head, CloseCode.Unauthorized);
          wss.handleUpgrade(request, socket, head, (ws) => accept(ws, principal as A));
        },
        (error: unknown) => {
          if (closed) return turnAway(socket, 503, 'Service Unavailable', 'closing');
          // A known principal refused is final; an authenticate that failed or took too
          // long (its database is down) is this server's trouble: "try again later".
          refuse(request, socket, head, error instanceof ForbiddenError ? CloseCode.Forbidden : CloseCode.TryAgainLater);
        },
      )
      // Nothing above should throw; if it does, the peer is dropped, never the process.
      .catch(() => socket.destroy());
  };
  http.on('upgrade', onUpgrade);

  // Liveness: a peer that did not answer the previous native ping is gone.
  const liveness = setInterval(() => {
    for (const connection of connections.values()) connection.ping();
  }, pingInterval);
  liveness.unref();

  if (!given) {
    http.listen(port, host);
    await once(http, 'listening');
  }
  const listeningPort = (http.address() as AddressInfo | null)?.port ?? port;

  const encode = (codec: { decode(u: unknown): unknown; encode(a: unknown): unknown } | undefined, value: unknown, what: string): unknown => {
    if (!codec) throw new ValidationError(what, 'not in the protocol');
    const checked = check(codec as import('io-ts').Mixed, value);
    if (!checked.ok) throw new ValidationError(what, checked.reason);
    return (codec as import('io-ts').Mixed).encode(checked.value);
  };
  // The stream of a channel with these params, as subscriptions key it (keys the params'
  // codec does not declare left out).
  const streamFor = (channel: string, params: unknown): string => {
    const codec = lookup(protocol.channels, channel)?.params as import('io-ts').Mixed | undefined;
    const what = `params of channel "${channel}"`;
    if (!codec) throw new ValidationError(what, 'not in the protocol');
    const checked = check(codec, params);
    if (!checked.ok) throw new ValidationError(what, checked.reason);
    return streamKey(channel, canonicalParams(codec, checked.value));
  };

  return {
    port: listeningPort,
    async publish(channel, params, message) {
      if (closed) throw new ServerClosedError();
      const stream = streamFor(channel, params);
      const data = encode(lookup(protocol.channels, channel)?.message, message, `message of channel "${channel}"`);
      const published = await broker.publish(stream, data);
      counters.published += 1;
      statsChanged.next();
      return { epoch: published.epoch, offset: published.offset };
    },
    async presence(channel, params) {
      const members = await broker.members(streamFor(channel, params));
      return members.map((member) => JSON.parse(member) as PresenceMember);
    },
    handle(name, handler) {
      handlers.set(name, handler as RequestHandler<unknown, unknown, A>);
    },
    emit(name, payload, to) {
      const data = encode(lookup(protocol.events, name), payload, `payload of event "${name}"`);
      if (closed) throw new ServerClosedError();
      for (const connection of connections.values()) if (!to || to(connection.info)) connection.event(name, data);
    },
    connections$: events.asObservable(),
    metrics,
    stats$: defer(() =>
      merge(of(undefined), statsChanged.pipe(auditTime(1000, asyncScheduler))).pipe(
        map((): ServerStats => ({ ...counters, connections: connections.size })),
      ),
    ),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(liveness);
      http.off('upgrade', onUpgrade);
      const open = [...wss.clients];
      for (const socket of open) socket.close(CloseCode.GoingAway, 'server shutting down');
      const drained = Promise.all(open.map((socket) => (socket.readyState === WebSocket.CLOSED ? undefined : once(socket, 'close'))));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, closeTimeout)))]);
      clearTimeout(timer);
      for (const socket of wss.clients) socket.terminate();
      await new Promise((resolve) => wss.close(resolve));
      if (!given) {
        http.closeAllConnections?.();
        await new Promise((resolve) => http.close(resolve));
      }
      if (ownsBroker) await broker.close();
      events.complete();
      statsChanged.complete();
    },
  };
}
