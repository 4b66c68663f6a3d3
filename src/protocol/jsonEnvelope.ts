import type { Inbound, WireAdapter, WireError } from './adapter';
import { isEpoch, isOffset } from './position';

const UNKNOWN_TYPE: Inbound = { kind: 'unknown', reason: 'not an rxwire envelope: no known "type"' };
const PONG: Inbound = { kind: 'pong' };
const PING = { type: 'ping' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function offsetOf(value: unknown): number | undefined {
  return isOffset(value) ? value : undefined;
}

function errorOf(value: unknown): WireError | undefined {
  if (!isRecord(value) || typeof value.code !== 'string') return undefined;
  return { code: value.code, message: typeof value.message === 'string' ? value.message : value.code, data: value.data };
}

function malformed(type: string, what: string): Inbound {
  return { kind: 'unknown', reason: `malformed "${type}" frame: ${what}` };
}

/**
 * The most bytes (UTF-8) of one server `batch` frame of rxwire's server: the answers to a
 * client's batch go in frames of at most this size (a frame larger than that alone goes
 * alone). A client asks for batched answers only when its `maxPayload` takes this.
 */
export const MAX_BATCH_ANSWER_BYTES = 256 * 1024;

/** Options of {@link jsonEnvelope}. */
export interface JsonEnvelopeOptions {
  /**
   * Whether a `batch` asks the server for its answers in `batch` frames
   * (`"reply":"batch"`, see docs/protocol.md). Ask only if the client takes frames of
   * {@link MAX_BATCH_ANSWER_BYTES}: with a smaller `maxPayload`, a batch of answers
   * would close every connection with 1009, and every resubscription would close the
   * next. The client's default adapter asks exactly when its `maxPayload` takes them.
   * @defaultValue false (the client's default adapter: true with the default `maxPayload`)
   */
  readonly batchAnswers?: boolean;
}

/**
 * rxwire's own wire envelope: one JSON object per frame with a `type`, documented in
 * `docs/protocol.md` so that a server can be written for it in any language.
 *
 * Client to server: `sub` (`id`, `channel`, `params`, optional `since`), `unsub` (`id`),
 * `batch` (`frames`: sub and unsub frames, and `reply: 'batch'`), `req` (`id`, `name`,
 * `payload`), `ping`.
 * Server to client: `welcome` (`connection`, `ping`: the connection is accepted, sent
 * once and first), `msg` (`id`, `offset`, `data`, and `epoch` on the first message of
 * a new epoch), `subscribed` (`id`, `epoch`, `offset`), `error` (`id`, `code`,
 * `message`), `gap` (`id`, `epoch`, optional `from`, `to`, `lost`), `event` (`name`, `data`),
 * `res` (`id` and `data`, or `id` and `error`), `pong`, and `batch` (`frames`: the
 * answers to a client's batch, and what was sent meanwhile, each read as if alone).
 *
 * It is the client's default `adapter`, one {@link WireAdapter} among others (see
 * `docs/adapters.md`); call it to see or reuse the frames:
 *
 * @example
 * ```ts
 * const envelope = jsonEnvelope();
 * envelope.subscribe({ id: '3', channel: 'device', params: { id: 'oven-1' }, since: { epoch: 'qJ3x0Zk1', offset: 42 } });
 * // { type: 'sub', id: '3', channel: 'device', params: { id: 'oven-1' }, since: { epoch: 'qJ3x0Zk1', offset: 42 } }
 * envelope.decode({ type: 'msg', id: '3', offset: 43, data: { id: 'oven-1', temperature: 181 } });
 * // { kind: 'message', key: '3', offset: 43, epoch: undefined, data: { id: 'oven-1', temperature: 181 } }
 * ```
 */
export function jsonEnvelope(options: JsonEnvelopeOptions = {}): WireAdapter {
  const batchAnswers = options.batchAnswers ?? false;
  return {
    acceptance: true,
    subscribe: ({ id, channel, params, since }) =>
      since === undefined ? { type: 'sub', id, channel, params } : { type: 'sub', id, channel, params, since },
    unsubscribe: ({ id }) => ({ type: 'unsub', id }),
    // Asks rxwire's server to answer in batches too (docs/protocol.md, `batch`).
    batch: batchAnswers ? (frames) => ({ type: 'batch', frames, reply: 'batch' }) : (frames) => ({ type: 'batch', frames }),
    unbatch: (frame) => (isRecord(frame) && frame.type === 'batch' && Array.isArray(frame.frames) ? frame.frames : undefined),
    request: ({ id, name, payload }) => ({ type: 'req', id, name, payload }),
    ping: () => PING,
    routeKey: ({ id }) => id,
    decode(frame: unknown): Inbound {
      if (!isRecord(frame)) return UNKNOWN_TYPE;
      const { type, id } = frame;
      switch (type) {
        case 'msg':
          if (typeof id !== 'string') return malformed(type, '"id" must be a string');
          if (frame.epoch !== undefined && !isEpoch(frame.epoch)) return malformed(type, '"epoch" must be a non-empty string');
          return { kind: 'message', key: id, offset: offsetOf(frame.offset), epoch: frame.epoch, data: frame.data };
        case 'pong':
          return PONG;
        case 'welcome':
          return {
            kind: 'accepted',
            connection: typeof frame.connection === 'string' ? frame.connection : undefined,
            pingInterval: typeof frame.ping === 'number' ? frame.ping : undefined,
          };
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
          return { kind: 'subscribed', key: id, epoch: isEpoch(frame.epoch) ? frame.epoch : undefined, offset: offsetOf(frame.offset) };
        case 'error': {
          const error = errorOf(frame);
          if (typeof id !== 'string' || !error) return malformed(type, 'needs a string "id" and "code"');
          return { kind: 'subscription-error', key: id, error };
        }
        case 'gap': {
          const { epoch, from, to, lost } = frame;
          const range = from === undefined && to === undefined ? true : isOffset(from) && isOffset(to) && from >= 1 && from <= to;
          if (typeof id !== 'string' || !isEpoch(epoch) || !range || (lost !== undefined && !isOffset(lost))) {
            return malformed(type, 'needs a string "id" and "epoch", offsets 1 <= "from" <= "to" or neither, and a count "lost" or none');
          }
          return { kind: 'gap', key: id, epoch, from: from as number | undefined, to: to as number | undefined, lost: lost as number | undefined };
        }
        default:
          return UNKNOWN_TYPE;
      }
    },
  };
}
