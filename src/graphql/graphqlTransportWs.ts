import type { Inbound, WireAdapter, WireContext, WireError, WireIds } from '../protocol/adapter';
import type { ChannelName, Protocol, RequestName } from '../protocol/defineProtocol';
import { InvalidOptionsError } from '../protocol/errors';

/** The WebSocket subprotocol of GraphQL over WebSocket, as graphql-ws names it. */
const SUBPROTOCOL = 'graphql-transport-ws';

/**
 * graphql-ws's close codes after which reconnecting cannot help: 4400 (bad request: a
 * frame the server could not read), 4403 (forbidden: `onConnect` refused the
 * `connection_init`), 4406 (subprotocol not acceptable), 4409 (subscriber already
 * exists), 4429 (too many initialisation requests), 4500 (internal server error).
 * 4401 ("unauthorized", a subscribe before `connection_ack`) keeps rxwire's rule: one
 * retry with a fresh token. 4408 (no `connection_init` in time) is retried with backoff.
 */
const FATAL_CLOSE_CODES: readonly number[] = Object.freeze([4400, 4403, 4406, 4409, 4429, 4500]);

const ACCEPTED: Inbound = { kind: 'accepted' };
const PONG: Inbound = { kind: 'pong' };
const IGNORE: Inbound = { kind: 'ignore' };
const ANSWER_PING: Inbound = { kind: 'reply', frames: [{ type: 'pong' }] };
const PING = { type: 'ping' };
const NOT_GRAPHQL: Inbound = { kind: 'unknown', reason: 'not a graphql-transport-ws message: no known "type"' };
const NO_RESULT: WireError = { code: 'NO_RESULT', message: 'the operation completed without a result' };

/** A place in a GraphQL document. */
export interface GraphqlLocation {
  /** The line, from 1. */
  readonly line: number;
  /** The column, from 1. */
  readonly column: number;
}

/**
 * One GraphQL error, as a server sends it in `errors` (see the GraphQL specification):
 * the `data` of the {@link rxwire!RemoteError | RemoteError}s this adapter gives is an
 * array of them.
 */
export interface GraphqlError {
  /** What went wrong. */
  readonly message: string;
  /** Where in the document. */
  readonly locations?: ReadonlyArray<GraphqlLocation>;
  /** Where in the result. */
  readonly path?: ReadonlyArray<string | number>;
  /** Anything else the server says; `extensions.code`, when a string, becomes the error's `code`. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * The GraphQL document of every channel and request of protocol `P`, as strings (the
 * adapter never parses them: `graphql` stays out of the bundle). A channel's params are
 * its document's variables, and its message codec validates each result's `data`; a
 * request's payload is its variables, and its response codec validates the `data`.
 */
export interface GraphqlDocuments<P extends Protocol = Protocol> {
  /** A `subscription` (or any operation) per channel name. */
  readonly channels: { readonly [N in ChannelName<P>]: string };
  /** A `query` or `mutation` per request name. */
  readonly requests: { readonly [N in RequestName<P>]: string };
}

/** Options of {@link graphqlTransportWs}. */
export interface GraphqlTransportWsOptions<P extends Protocol = Protocol> {
  /** The GraphQL document of every channel and request of the protocol. */
  readonly documents: GraphqlDocuments<P>;
  /**
   * Builds `connection_init`'s payload for each connection (the server's
   * `ctx.connectionParams`), from the attempt and the token `auth.token` gave for it.
   * Return `undefined` to send no payload.
   * @defaultValue `{ token }` when the client has `auth`, otherwise no payload
   */
  readonly connectionParams?: (context: WireContext) => Record<string, unknown> | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GraphQL's `errors` as one {@link WireError}: the first error's code, every message, the errors as data. */
function wireErrorOf(errors: unknown): WireError | undefined {
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first: unknown = errors[0];
  const extensions = isRecord(first) && isRecord(first.extensions) ? first.extensions : undefined;
  const code = typeof extensions?.code === 'string' ? extensions.code : 'GRAPHQL_ERROR';
  const message = errors.map((e: unknown) => (isRecord(e) && typeof e.message === 'string' ? e.message : String(e))).join('; ');
  return { code, message, data: errors };
}

/** A `next` frame's result, for the channel or the request `id` is. */
function readNext(id: string, kind: 'channel' | 'request', payload: Record<string, unknown>): Inbound {
  const { data } = payload;
  const error = wireErrorOf(payload.errors);
  const hasData = data !== undefined && data !== null;
  if (kind === 'request') {
    if (!error) return { kind: 'response', id, data };
    return hasData ? { kind: 'response', id, data, error } : { kind: 'response', id, error };
  }
  if (!error) return { kind: 'message', key: id, data };
  // Errors and no data: the subscription failed, though the server may go on with it.
  return hasData ? { kind: 'message', key: id, data, error } : { kind: 'subscription-error', key: id, error, live: true };
}

function documentOf(documents: Readonly<Record<string, string>>, name: string, what: string): string {
  const document = Object.prototype.hasOwnProperty.call(documents, name) ? documents[name] : undefined;
  if (typeof document !== 'string') throw new InvalidOptionsError(`graphqlTransportWs: no GraphQL document for ${what} "${name}"`);
  return document;
}

const defaultConnectionParams = ({ token }: WireContext): Record<string, unknown> | undefined => (token === undefined ? undefined : { token });

/**
 * A {@link rxwire!WireAdapter | WireAdapter} for GraphQL over WebSocket (`graphql-transport-ws`, the protocol
 * of the graphql-ws server, Apollo Server, Hasura, Yoga...): the same typed client,
 * channels and requests over a GraphQL server.
 *
 * - Every connection opens with `connection_init` (payload: `connectionParams`) and is
 *   `open` only on `connection_ack`; nothing else is sent before.
 * - A channel is a `subscribe` with its document and params as variables; its messages
 *   are the results' `data`. A result with errors and data delivers the data and reports
 *   the errors on `errors$` (a {@link rxwire!RemoteError | RemoteError}); with errors and no data, the channel
 *   errors with a {@link rxwire!RemoteError | RemoteError} carrying them and `complete` is sent. A server
 *   `error` (validation) errors it with a {@link rxwire!SubscriptionError | SubscriptionError}; a server `complete`
 *   completes it. Leaving a channel sends `complete`.
 * - A request is a `subscribe` with its document: its first result is the reply (a
 *   {@link rxwire!RemoteError | RemoteError} when it has errors and no data); one that times out or is left
 *   sends `complete`.
 * - The server's `ping` is answered with `pong`; the heartbeat pings with `ping`.
 * - Close codes 4400, 4403, 4406, 4409, 4429 and 4500 are fatal (`fatalCloseCodes`).
 *
 * Pass `auth: { token, via: 'handshake' }` to send the token (fetched again for every
 * connection, fresh after a 4401) in `connection_init` only.
 *
 * @example
 * ```ts
 * import { createClient, defineProtocol } from 'rxwire';
 * import { graphqlTransportWs } from 'rxwire/graphql';
 * import * as t from 'io-ts';
 *
 * const api = defineProtocol({
 *   channels: { temperature: { params: t.type({ room: t.string }), message: t.type({ temperature: t.number }) } },
 *   requests: { room: { request: t.type({ id: t.string }), response: t.type({ room: t.type({ name: t.string }) }) } },
 * });
 * const client = createClient({
 *   url: 'ws://127.0.0.1:4000/graphql',
 *   protocol: api,
 *   auth: { token: () => session.token(), via: 'handshake' },
 *   adapter: graphqlTransportWs<typeof api>({
 *     documents: {
 *       channels: { temperature: 'subscription ($room: String!) { temperature(room: $room) }' },
 *       requests: { room: 'query ($id: ID!) { room(id: $id) { name } }' },
 *     },
 *   }),
 * });
 * client.channel('temperature', { room: 'kitchen' }).subscribe((update) => console.log(update.temperature));
 * ```
 */
export function graphqlTransportWs<P extends Protocol = Protocol>(options: GraphqlTransportWsOptions<P>): WireAdapter {
  const { documents, connectionParams = defaultConnectionParams } = options;
  const channels: Readonly<Record<string, string>> = documents.channels;
  const requests: Readonly<Record<string, string>> = documents.requests;
  const complete = ({ id }: { id: string }) => ({ id, type: 'complete' });
  return {
    protocols: [SUBPROTOCOL],
    acceptance: true,
    fatalCloseCodes: FATAL_CLOSE_CODES,
    hello(context) {
      const payload = connectionParams(context);
      return [payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload }];
    },
    subscribe: ({ id, channel, params }) => ({ id, type: 'subscribe', payload: { query: documentOf(channels, channel, 'channel'), variables: params } }),
    unsubscribe: complete,
    request: ({ id, name, payload }) => ({ id, type: 'subscribe', payload: { query: documentOf(requests, name, 'request'), variables: payload } }),
    cancel: complete,
    ping: () => PING,
    routeKey: ({ id }) => id,
    decode(frame: unknown, ids?: WireIds): Inbound {
      if (!isRecord(frame)) return NOT_GRAPHQL;
      const { type, id } = frame;
      switch (type) {
        case 'connection_ack':
          return ACCEPTED;
        case 'ping':
          return ANSWER_PING;
        case 'pong':
          return PONG;
        case 'next':
        case 'error':
        case 'complete': {
          if (typeof id !== 'string') return { kind: 'unknown', reason: `malformed "${type}" message: "id" must be a string` };
          // Alone (in a test), every id is taken for a channel's.
          const kind = ids ? ids.kindOf(id) : 'channel';
          if (kind === undefined) return IGNORE; // left, answered or timed out: nobody waits for it
          if (type === 'complete') return kind === 'channel' ? { kind: 'complete', key: id } : { kind: 'response', id, error: NO_RESULT };
          if (type === 'error') {
            const error = wireErrorOf(frame.payload);
            if (!error) return { kind: 'unknown', reason: 'malformed "error" message: "payload" must be a non-empty array of GraphQL errors' };
            return kind === 'channel' ? { kind: 'subscription-error', key: id, error } : { kind: 'response', id, error };
          }
          if (!isRecord(frame.payload)) return { kind: 'unknown', reason: 'malformed "next" message: "payload" must be an execution result' };
          return readNext(id, kind, frame.payload);
        }
        default:
          return NOT_GRAPHQL;
      }
    },
  };
}
