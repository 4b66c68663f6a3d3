import type { BrokerMessage, Loss, Replay, StreamPosition } from './types';

/**
 * The replay of a stream at `current` for a reader at `since`, given what the history
 * still holds of the current epoch (in order; earlier messages are skipped here).
 * Shared by the brokers, so that they report losses alike.
 */
export function replayOf(current: StreamPosition, since: StreamPosition | undefined, held: readonly BrokerMessage[]): Replay {
  const { epoch, offset } = current;
  if (since === undefined || (since.epoch === epoch && since.offset >= offset)) return { epoch, offset, messages: [] };
  const sameEpoch = since.epoch === epoch;
  const after = sameEpoch ? since.offset : 0;
  const messages = held.filter((m) => m.epoch === epoch && m.offset > after);
  const first = messages[0]?.offset ?? offset + 1;
  let lost: Loss | undefined;
  if (first > after + 1) lost = sameEpoch ? { epoch, from: after + 1, to: first - 1, count: first - 1 - after } : { epoch, from: 1, to: first - 1 };
  else if (!sameEpoch) lost = { epoch };
  return lost ? { epoch, offset, messages, lost } : { epoch, offset, messages };
}
