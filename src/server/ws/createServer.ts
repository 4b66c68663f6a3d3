import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { CloseCode } from '../../protocol/closeCodes';
import type { EmptyProtocol, Protocol } from '../../protocol/defineProtocol';
import { createServerCore, refusalOf, type Admission } from '../core/server';
import type { RefusalReason } from '../core/metrics';
import { resolveOptions, type ResolvedOptions } from '../options';
import type { Server, ServerOptions, UpgradeContext } from '../types';
import { WriteBatch } from './frames';
import { attach, liveness, WsTransport } from './transport';
import { SocketCount, TOKEN_PROTOCOL, pathOf, refuseHttp, tokenOf } from './upgrade';

/** What a `batch` frame holds, looked for in the raw bytes of a text frame (see the accept callback). */
const BATCH_MARK = Buffer.from('"batch"');

/**
 * Starts an rxwire server on `ws`: the envelope of docs/protocol.md, typed by the same
 * `defineProtocol` definition as the clients, with authentication at the upgrade,
 * per-subscription authorization, limits, liveness pings, and history for recovery.
 * Resolves once it listens. Every default is in {@link SERVER_DEFAULTS}.
 *
 * @throws {@link rxwire!InvalidOptionsError} (the promise rejects with it) for options no server
 * can run with: no `protocol`, a `port` out of range, a limit or a period that is not a
 * number, negative, or 0 where 0 makes no sense (`pingInterval`, `limits.rate.interval`).
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
  const resolved = resolveOptions(options);
  const { port, host, server: given, pingInterval, upgradeTimeout, closeTimeout, metricsPath, limits } = resolved;
  const core = createServerCore<A, UpgradeContext>({ ...resolved, ...limits });
  const http: HttpServer =
    given ??
    createHttpServer(
      // Stalled handshakes are cut off: headers must arrive within upgradeTimeout.
      { headersTimeout: upgradeTimeout, requestTimeout: upgradeTimeout, connectionsCheckingInterval: Math.min(1000, upgradeTimeout) },
      (request, response) => {
        if (metricsPath !== undefined && request.method === 'GET' && pathOf(request) === metricsPath) {
          response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(core.metrics());
          return;
        }
        response.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket only');
      },
    );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayload,
    perMessageDeflate: false,
    // Select an application protocol, never the entry carrying the token.
    handleProtocols: (offered) => [...offered].find((p) => !p.startsWith(TOKEN_PROTOCOL)) ?? false,
  });
  const writes = new WriteBatch();
  const alive = liveness(pingInterval);
  const onUpgrade = upgradeHandler(resolved, core, wss, (socket, principal) => {
    attach(socket, core.accept(new WsTransport(socket, writes), principal));
    // The answers to a batch (a `subscribed` per frame, and more) leave in one write at
    // the end of the turn, the first one included, instead of the first alone and then
    // the rest: the batch's socket is held before the frame is handled.
    socket.prependListener('message', (data, isBinary) => {
      if (!isBinary && Buffer.isBuffer(data) && data.includes(BATCH_MARK)) writes.wrote(socket);
    });
    alive.watch(socket);
  });
  http.on('upgrade', onUpgrade);

  if (!given) {
    http.listen(port, host);
    await once(http, 'listening');
  }
  const listeningPort = (http.address() as AddressInfo | null)?.port ?? port;

  return {
    port: listeningPort,
    publish: (channel, params, message) => core.publish(channel, params, message),
    presence: (channel, params) => core.presence(channel, params),
    handle: (name, handler) => core.handle(name, handler as never),
    emit: (name, payload, to) => core.emit(name, payload, to),
    connections$: core.connections$,
    stats$: core.stats$,
    metrics: () => core.metrics(),
    close: () =>
      core.close(async () => {
        alive.stop();
        http.off('upgrade', onUpgrade);
        await drain(wss, closeTimeout);
        await new Promise((resolve) => wss.close(resolve));
        if (!given) {
          http.closeAllConnections?.();
          await new Promise((resolve) => http.close(resolve));
        }
      }),
  };
}

/**
 * The `upgrade` listener: turns away at the HTTP level what is not for this server or
 * over its limits (before `authenticate` runs), then admits through the core and
 * accepts, or refuses with the close code (or HTTP status) the core decided.
 */
function upgradeHandler<A>(
  options: ResolvedOptions<Protocol, A>,
  core: ReturnType<typeof createServerCore<A, UpgradeContext>>,
  wss: WebSocketServer,
  accept: (socket: WebSocket, principal: A) => void,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { path, origins, addressOf, refuseWith, closeTimeout, limits } = options;
  const count = new SocketCount(limits.maxConnections, limits.maxConnectionsPerAddress);
  const authenticated = options.authenticate !== undefined;

  /** Refuses at the HTTP level, counted under `reason`. */
  const turnAway = (socket: Duplex, status: number, text: string, reason: RefusalReason): void => {
    core.refused(reason);
    refuseHttp(socket, status, text);
  };

  /**
   * Refuses a peer `admit` did not accept: accepts the upgrade, then closes at once with
   * 4401 (clients retry once with a fresh token), 4403 (final), or 1013 (clients retry
   * with backoff); nothing the peer sends is read, and a peer that does not complete the
   * close within closeTimeout is destroyed. With `refuseWith: 'http'`: 401 / 403 / 503.
   */
  const refuse = (request: IncomingMessage, socket: Duplex, head: Buffer, code: 4401 | 4403 | 1013): void => {
    const { reason, text } = refusalOf(code);
    core.refused(reason);
    if (refuseWith === 'http') {
      const [status, statusText] = code === CloseCode.Forbidden ? [403, 'Forbidden'] : code === CloseCode.Unauthorized ? [401, 'Unauthorized'] : [503, 'Service Unavailable'];
      return refuseHttp(socket, status, statusText);
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.close(code, text);
      const timer = setTimeout(() => ws.terminate(), closeTimeout);
      ws.once('close', () => clearTimeout(timer));
    });
  };

  const admitted = (request: IncomingMessage, socket: Duplex, head: Buffer, admission: Admission<A>): void => {
    if (core.closed) return turnAway(socket, 503, 'Service Unavailable', 'closing');
    if ('refuse' in admission) return refuse(request, socket, head, admission.refuse);
    // The 101 response and the `welcome` written in the same call (accept is synchronous
    // in handleUpgrade) leave in one system call, not two.
    const corked = typeof (socket as Partial<Socket>).cork === 'function';
    if (corked) (socket as Socket).cork();
    try {
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, admission.principal));
    } finally {
      if (corked && !socket.destroyed) (socket as Socket).uncork();
    }
  };

  return (request, socket, head) => {
    if (core.closed) return turnAway(socket, 503, 'Service Unavailable', 'closing');
    if (path !== undefined && pathOf(request) !== path) return turnAway(socket, 404, 'Not Found', 'not_found');
    const origin = request.headers.origin;
    if (origins && origin !== undefined && !origins.includes(origin)) return turnAway(socket, 403, 'Forbidden', 'origin');
    if (count.full) return turnAway(socket, 503, 'Service Unavailable', 'capacity');
    let address: string | undefined;
    if (count.perAddress) {
      try {
        address = addressOf(request);
      } catch {
        address = request.socket.remoteAddress ?? 'unknown';
      }
    }
    if (!count.hold(socket, address)) return turnAway(socket, 503, 'Service Unavailable', 'address_capacity');
    socket.on('error', () => socket.destroy());
    core
      // The token is looked for only when someone reads it.
      .admit({ token: authenticated ? tokenOf(request) : undefined, request })
      .then((admission) => admitted(request, socket, head, admission))
      // Nothing above should throw; if it does, the peer is dropped, never the process.
      .catch(() => socket.destroy());
  };
}

/** Sends 1001 to every peer, waits up to `closeTimeout` for them to go, then terminates those left. */
async function drain(wss: WebSocketServer, closeTimeout: number): Promise<void> {
  const open = [...wss.clients];
  for (const socket of open) socket.close(CloseCode.GoingAway, 'server shutting down');
  const drained = Promise.all(open.map((socket) => (socket.readyState === WebSocket.CLOSED ? undefined : once(socket, 'close'))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, closeTimeout)))]);
  clearTimeout(timer);
  for (const socket of wss.clients) socket.terminate();
}
