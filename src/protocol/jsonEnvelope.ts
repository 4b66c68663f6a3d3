import type { Inbound, WireAdapter, WireError } from './adapter';

const UNKNOWN_TYPE: Inbound = { kind: 'unknown', reason: 'not an rxwire envelope: no known "type"' };
const PONG: Inbound = { kind: 'pong' };
const PING = { type: 'ping' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function seqOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function errorOf(value: unknown): WireError | undefined {
  if (!isRecord(value) || typeof value.code !== 'string') return undefined;
  return { code: value.code, message: typeof value.message === 'string' ? value.message : value.code, data: value.data };
}

function malformed(type: string, what: string): Inbound {
  return { kind: 'unknown', reason: `malformed "${type}" frame: ${what}` };
}

/**
 * rxwire's own wire envelope: one JSON object per frame with a `type`, documented in
 * `docs/protocol.md` so that a server can be written for it in any language.
 *
 * Client to server: `sub` (`id`, `channel`, `params`, optional `since`), `unsub` (`id`),
 * `req` (`id`, `name`, `payload`), `ping`.
 * Server to client: `msg` (`id`, `seq`, `data`), `subscribed` (`id`, `seq`), `error`
 * (`id`, `code`, `message`), `gap` (`id`, `from`, `to`), `event` (`name`, `data`),
 * `res` (`id` and `data`, or `id` and `error`), `pong`.
 *
 * It is the client's default `adapter`; call it to see or reuse the frames:
 *
 * @example
 * ```ts
 * const envelope = jsonEnvelope();
 * envelope.subscribe({ id: '3', channel: 'device', params: { id: 'oven-1' }, since: 42 });
 * // { type: 'sub', id: '3', channel: 'device', params: { id: 'oven-1' }, since: 42 }
 * envelope.decode({ type: 'msg', id: '3', seq: 43, data: { id: 'oven-1', temperature: 181 } });
 * // { kind: 'message', key: '3', seq: 43, data: { id: 'oven-1', temperature: 181 } }
 * ```
 */
export function jsonEnvelope(): WireAdapter {
  return {
    subscribe: ({ id, channel, params, since }) =>
      since === undefined ? { type: 'sub', id, channel, params } : { type: 'sub', id, channel, params, since },
    unsubscribe: ({ id }) => ({ type: 'unsub', id }),
    request: ({ id, name, payload }) => ({ type: 'req', id, name, payload }),
    ping: () => PING,
    routeKey: ({ id }) => id,
    decode(frame: unknown): Inbound {
      if (!isRecord(frame)) return UNKNOWN_TYPE;
      const { type, id } = frame;
      switch (type) {
        case 'msg':
          if (typeof id !== 'string') return malformed(type, '"id" must be a string');
          return { kind: 'message', key: id, seq: seqOf(frame.seq), data: frame.data };
        case 'pong':
          return PONG;
        case 'event':
          if (typeof frame.name !== 'string') return malformed(type, '"name" must be a string');
          return { kind: 'event', name: frame.name, data: frame.data };
        case 'res': {
          if (typeof id !== 'string') return malformed(type, '"id" must be a string');
          if ('error' in frame) {
            const error = errorOf(frame.error);
            return error ? { kind: 'response', id, error } : malformed(type, '"error" needs a string "code"');
          }
          return { kind: 'response', id, data: frame.data };
        }
        case 'subscribed':
          if (typeof id !== 'string') return malformed(type, '"id" must be a string');
          return { kind: 'subscribed', key: id, seq: seqOf(frame.seq) };
        case 'error': {
          const error = errorOf(frame);
          if (typeof id !== 'string' || !error) return malformed(type, 'needs a string "id" and "code"');
          return { kind: 'subscription-error', key: id, error };
        }
        case 'gap': {
          const from = seqOf(frame.from);
          const to = seqOf(frame.to);
          if (typeof id !== 'string' || from === undefined || to === undefined || to < from) {
            return malformed(type, 'needs a string "id" and sequence numbers "from" <= "to"');
          }
          return { kind: 'gap', key: id, from, to };
        }
        default:
          return UNKNOWN_TYPE;
      }
    },
  };
}
