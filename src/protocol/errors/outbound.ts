// An outbound message that was not sent: dropped, refused by a full queue, or invalid for its codec.
import { ErrorKind, RxwireError } from './base';

/** The reasons an outbound message can be dropped by {@link queueWhileOffline}. */
export type DropReason = 'drop-oldest' | 'drop-newest' | 'unsubscribed';

/**
 * An outbound message was dropped instead of being sent; it carries the message.
 *
 * @example
 * ```ts
 * client.errors$.subscribe((error) => {
 *   if (error.kind === 'MESSAGE_DROPPED') console.warn(`not sent (${error.reason}):`, error.dropped);
 * });
 * ```
 */
export class MessageDroppedError<T = unknown> extends RxwireError<typeof ErrorKind.MessageDropped> {
  /** Always `'MessageDroppedError'`, also in minified builds. */
  override readonly name: string = 'MessageDroppedError';

  /**
   * @param dropped - the message that was not sent.
   * @param reason - which policy dropped it.
   */
  constructor(
    readonly dropped: T,
    readonly reason: DropReason,
  ) {
    super(ErrorKind.MessageDropped, `an outbound message was dropped (${reason})`);
  }
}

/**
 * The offline queue was full and its overflow policy is `'error'`. Carries the
 * message that was refused and the messages still queued, so nothing is lost unseen.
 *
 * @example
 * ```ts
 * // with createClient({ ..., queue: { max: 100, overflow: 'error' } })
 * try {
 *   client.send({ type: 'note', text: 'hello' });
 * } catch (error) {
 *   if (error instanceof QueueOverflowError) console.warn(`offline, ${error.queued.length} messages waiting`);
 * }
 * ```
 */
export class QueueOverflowError<T = unknown> extends RxwireError<typeof ErrorKind.QueueOverflow> {
  /** Always `'QueueOverflowError'`, also in minified builds. */
  override readonly name: string = 'QueueOverflowError';

  /**
   * @param rejected - the message that did not fit.
   * @param queued - the messages that were queued when the overflow happened, oldest first.
   * @param max - the queue's bound.
   */
  constructor(
    readonly rejected: T,
    readonly queued: readonly T[],
    readonly max: number,
  ) {
    super(ErrorKind.QueueOverflow, `the offline queue is full (${max} messages)`);
  }
}

/**
 * An outbound value (channel params, request payload) failed its codec. It is raised
 * before anything goes on the wire.
 *
 * @example
 * ```ts
 * const params = JSON.parse(location.hash.slice(1)); // untyped input
 * client.channel('device', params).subscribe({
 *   next: (update) => console.log(update.temperature),
 *   error: (error: unknown) => {
 *     if (error instanceof ValidationError) console.warn(error.what, error.reason); // nothing was sent
 *   },
 * });
 * ```
 */
export class ValidationError extends RxwireError<typeof ErrorKind.ValidationFailed> {
  /** Always `'ValidationError'`, also in minified builds. */
  override readonly name: string = 'ValidationError';

  /**
   * @param what - what was being validated, e.g. `params of channel "device"`.
   * @param reason - the path-level reason from the codec.
   */
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(ErrorKind.ValidationFailed, `invalid ${what}: ${reason}`);
  }
}
