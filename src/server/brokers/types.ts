/** A message as a broker stores and delivers it: its sequence number and its encoded data. */
export interface BrokerMessage {
  /** The message's number within its stream, from 1, consecutive. */
  readonly seq: number;
  /** The message, encoded by its channel's codec. */
  readonly data: unknown;
}

/** What a broker can replay for a stream since a sequence number. */
export interface Replay {
  /** The stream's current sequence number. */
  readonly seq: number;
  /** The messages after `since` it still holds, in order. */
  readonly messages: readonly BrokerMessage[];
  /** The range after `since` it no longer holds, if any. */
  readonly lost?: {
    /** The first sequence number lost. */
    readonly from: number;
    /** The last sequence number lost. */
    readonly to: number;
  };
}

/**
 * Where published messages travel between server processes and where their history
 * lives. A stream is one channel with one set of params, named by a string key.
 * `memoryBroker()` serves one process; a Redis broker serves many with the same interface.
 */
export interface Broker {
  /** Numbers a message, stores it in the stream's history and delivers it to every listener of the stream, in every process. */
  publish(stream: string, data: unknown): Promise<BrokerMessage>;
  /**
   * Listens to a stream's new messages. Resolves, with the function that stops
   * listening, once every message published from then on is sure to arrive, so that a
   * replay read afterwards leaves no hole between history and live messages.
   */
  listen(stream: string, listener: (message: BrokerMessage) => void): Promise<() => void>;
  /** What the stream's history holds after `since` (or only its current seq without `since`). */
  replay(stream: string, since?: number): Promise<Replay>;
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
