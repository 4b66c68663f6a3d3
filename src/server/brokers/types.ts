import type { StreamPosition } from '../../protocol/position';

export type { StreamPosition };

/**
 * A message as a broker stores and delivers it: its place in its stream and its
 * encoded data.
 */
export interface BrokerMessage extends StreamPosition {
  /** The stream's epoch when the message was published. */
  readonly epoch: string;
  /** The message's number within its epoch: 1, 2, 3, ... with no holes. */
  readonly offset: number;
  /** The message, encoded by its channel's codec. */
  readonly data: unknown;
}

/**
 * Messages of a stream that can no longer be delivered or replayed. The messages that
 * follow a loss belong to `epoch`.
 *
 * - Within one epoch (the history no longer reaches back far enough): `from`..`to`
 *   are the offsets lost and `count` is how many.
 * - Across epochs (the history was lost: a new stream, a restart without persistence,
 *   history expired): `count` is unknown (undefined), since nobody can say how many
 *   messages the lost epoch still had; `from`..`to`, when present, are offsets of the
 *   new `epoch` that are gone too.
 */
export interface Loss {
  /** The epoch of the messages that follow the loss. */
  readonly epoch: string;
  /** The first offset of `epoch` lost, if any is. */
  readonly from?: number;
  /** The last offset of `epoch` lost, if any is. */
  readonly to?: number;
  /** How many messages were lost, when that is known. */
  readonly count?: number;
}

/** What a broker can replay for a stream since a position. */
export interface Replay extends StreamPosition {
  /** The stream's current epoch. */
  readonly epoch: string;
  /** The stream's current offset: that of its last message, 0 before the first. */
  readonly offset: number;
  /** The messages after `since` it still holds, in order, all of the current epoch. */
  readonly messages: readonly BrokerMessage[];
  /** What after `since` it can no longer replay, if anything. Always present when the epoch is not that of `since`. */
  readonly lost?: Loss;
}

/**
 * Where published messages travel between server processes and where their history
 * lives. A stream is one channel with one set of params, named by a string key.
 * `memoryBroker()` serves one process; a Redis broker serves many with the same interface.
 *
 * A stream is numbered by an epoch and an offset counted from 1 within it (see
 * {@link StreamPosition}). Its epoch and offset must outlive a stream that is merely
 * idle (no listeners, nothing published) for as long as its history would have been kept.
 */
export interface Broker {
  /** Numbers a message, stores it in the stream's history and delivers it to every listener of the stream, in every process. */
  publish(stream: string, data: unknown): Promise<BrokerMessage>;
  /**
   * Optional: what `publish` does, done before returning, for a broker that needs to
   * wait for nothing (one process, history in memory): the message numbered, stored and
   * delivered to every listener, returned as it is. A failure throws instead of
   * rejecting. The server calls it, when there, instead of `publish`: no promise per
   * message between the broker and the server.
   */
  publishNow?(stream: string, data: unknown): BrokerMessage;
  /**
   * Listens to a stream's new messages. Resolves, with the function that stops
   * listening, once every message published from then on is sure to arrive, so that a
   * replay read afterwards leaves no hole between history and live messages.
   *
   * A listener gets every message of the stream, in order, each at most once, or is
   * told by `lost` first of what it will never get (a Redis broker whose link to Redis
   * came back after the history was lost). When the epoch changes without a `lost`,
   * the listener had every message of the previous epoch.
   */
  listen(stream: string, listener: (message: BrokerMessage) => void, lost?: (loss: Loss) => void): Promise<() => void>;
  /**
   * What the stream's history holds after `since` (or only its current position
   * without `since`). In the same epoch with an offset still in the history: exactly
   * the messages after it. Otherwise: what the current epoch still holds, with `lost`.
   */
  replay(stream: string, since?: StreamPosition): Promise<Replay>;
  /**
   * Adds `member` to the presence of a stream, for every process to see. A member of a
   * process that dies disappears within a bounded time (the broker's presence TTL).
   */
  join(stream: string, member: string): Promise<void>;
  /** Removes `member` from the presence of a stream. */
  leave(stream: string, member: string): Promise<void>;
  /** Every member of a stream's presence, over every process. */
  members(stream: string): Promise<string[]>;
  /** Releases everything the broker holds. */
  close(): Promise<void>;
}
