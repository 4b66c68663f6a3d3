/**
 * A place in a stream's numbering: the stream's `epoch`, and the `offset` of a message
 * within it (the first message of an epoch is 1; offset 0 is "before the first").
 *
 * An epoch is an opaque string that changes only when the stream's history is really
 * lost (a new stream, a broker restart without persistence, history expired): offsets
 * of different epochs are not comparable.
 */
export interface StreamPosition {
  /** The stream's epoch: opaque, compared for equality only. */
  readonly epoch: string;
  /** The offset within `epoch`: 0 before the first message, then 1, 2, 3, ... */
  readonly offset: number;
}

/** The longest epoch accepted from the wire. Brokers make epochs of 8 to 16 characters. */
export const MAX_EPOCH_LENGTH = 64;

/** Whether `value` is an offset: a safe integer, 0 or more. */
export function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Whether `value` is an epoch: a non-empty string of at most {@link MAX_EPOCH_LENGTH} characters. */
export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_EPOCH_LENGTH;
}

/** Whether `value` is a {@link StreamPosition} as read from the wire. */
export function isStreamPosition(value: unknown): value is StreamPosition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { epoch, offset } = value as Record<string, unknown>;
  return isEpoch(epoch) && isOffset(offset);
}
