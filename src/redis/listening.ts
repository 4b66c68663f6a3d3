import type { BrokerMessage, Loss, StreamPosition } from '../server/brokers/types';

/** One listener of a stream, as `listen` was given it. */
export interface Listener {
  readonly message: (message: BrokerMessage) => void;
  readonly lost: ((loss: Loss) => void) | undefined;
}

/** This process's subscription to one stream, shared by its listeners. */
export interface Listening {
  readonly set: Set<Listener>;
  subscribed: Promise<unknown>;
  /** The last position delivered (or read before subscribing): where a recovery replays from. */
  position: StreamPosition | undefined;
  /** Live messages held while a recovery replays what the lost link missed. */
  held: BrokerMessage[] | undefined;
}

/** Calls `each` for every listener; one listener's failure must not keep the others from their turn. */
export function forEachListener(entry: Listening, each: (listener: Listener) => void, report: (error: unknown) => void): void {
  for (const listener of [...entry.set]) {
    try {
      each(listener);
    } catch (error) {
      report(error);
    }
  }
}

/** Hands a message to every listener of the stream and moves its position there. */
export function deliver(entry: Listening, message: BrokerMessage, report: (error: unknown) => void): void {
  entry.position = message;
  forEachListener(entry, (listener) => listener.message(message), report);
}

/**
 * Reads a pub/sub payload `<epoch> <offset> <json>` as the PUBLISH script sends it, or
 * says why it is not one.
 */
export function parsePayload(channel: string, payload: string): BrokerMessage | Error {
  const first = payload.indexOf(' ');
  const second = payload.indexOf(' ', first + 1);
  let message: BrokerMessage;
  try {
    message = { epoch: payload.slice(0, first), offset: Number(payload.slice(first + 1, second)), data: JSON.parse(payload.slice(second + 1)) };
  } catch (error) {
    return new Error(`skipped a payload on ${channel} that is not rxwire's: ${(error as Error).message}`, { cause: error });
  }
  if (first <= 0 || second < 0 || !Number.isSafeInteger(message.offset)) return new Error(`skipped a payload on ${channel} without an epoch and offset`);
  return message;
}
