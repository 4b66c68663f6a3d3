import { MonoTypeOperatorFunction, Observable, type Subscriber } from 'rxjs';
import { reportUnhandled } from '../internal/reportUnhandled';
import { MessageDroppedError, QueueOverflowError } from '../protocol/errors';

/** What {@link queueWhileOffline} does with a message that does not fit in a full queue. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'error';

/** Options of {@link queueWhileOffline}. */
export interface QueueWhileOfflineConfig<T> {
  /**
   * Whether the connection is open. Until it first emits, the connection counts as
   * closed. Each `true` flushes the queue, oldest first.
   */
  open$: Observable<boolean>;
  /**
   * Checked right before each message is passed on while open; `false` keeps the
   * message queued and treats the connection as closed until `open$` emits `true`
   * again. Covers the moment between a socket starting to close and its close event.
   * @defaultValue a function that always returns true
   */
  canSend?: () => boolean;
  /**
   * The most messages held while offline.
   * @defaultValue 1000
   */
  max?: number;
  /**
   * What happens to a message that arrives while `max` messages are held:
   * `'drop-oldest'` drops the oldest held message and queues the new one,
   * `'drop-newest'` drops the new one, `'error'` errors the stream with a
   * {@link QueueOverflowError} that carries the refused message and every held one.
   * @defaultValue 'drop-oldest'
   */
  overflow?: OverflowPolicy;
  /**
   * Told about every message that is dropped, including those still held when the
   * stream is unsubscribed (reason `'unsubscribed'`). Nothing is dropped unseen.
   * @defaultValue none
   */
  onDrop?: (dropped: MessageDroppedError<T>) => void;
}

/**
 * Passes messages through while the connection is open and holds them, in order,
 * while it is not; flushes them in that order as soon as it opens again.
 *
 * The queue is bounded by `max`; `overflow` says what gives when it is full, and
 * every dropped message is reported through `onDrop` (or, with `'error'`, in the error).
 * If the source completes while messages are held, the output completes after they
 * are flushed.
 *
 * @example
 * ```ts
 * outbound$.pipe(queueWhileOffline({ open$: isOpen$, max: 100, onDrop: (e) => report(e) }))
 *   .subscribe((msg) => socket.next(msg));
 * ```
 */
export function queueWhileOffline<T>(config: QueueWhileOfflineConfig<T>): MonoTypeOperatorFunction<T> {
  const { open$, canSend = () => true, max = 1000, overflow = 'drop-oldest', onDrop } = config;

  return (source) =>
    new Observable<T>((subscriber) => {
      const queue: T[] = [];
      let open = false;
      let sourceDone = false;

      const flush = (): void => {
        while (open && queue.length > 0) {
          if (!canSend()) {
            open = false;
            return;
          }
          subscriber.next(queue.shift()!);
        }
        if (sourceDone && queue.length === 0) subscriber.complete();
      };

      const hold = (value: T): void => holdWithin(queue, value, max, overflow, onDrop, subscriber);

      // As RxJS's own operators: a throwing canSend or onDrop errors the output, which
      // tears down the source and open$.
      subscriber.add(
        open$.subscribe({
          next: (isOpen) => {
            try {
              open = isOpen;
              flush();
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (err) => subscriber.error(err),
        }),
      );

      subscriber.add(
        source.subscribe({
          next: (value) => {
            // A synchronous source goes on emitting after an error until its subscribe returns.
            if (subscriber.closed) return;
            try {
              // While open, held messages are there only during a flush (this value was sent
              // from inside a downstream handler): the flush delivers it after them.
              if (!open || queue.length > 0) hold(value);
              else if (canSend()) subscriber.next(value);
              else {
                open = false;
                hold(value);
              }
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (err) => subscriber.error(err),
          complete: () => {
            try {
              sourceDone = true;
              flush();
            } catch (error) {
              subscriber.error(error);
            }
          },
        }),
      );

      return () => {
        for (const value of queue.splice(0)) {
          try {
            onDrop?.(new MessageDroppedError(value, 'unsubscribed'));
          } catch (error) {
            // No error channel is left, and the next held message must still be reported.
            reportUnhandled(error);
          }
        }
      };
    });
}

/** Holds `value` in `queue`, or applies the overflow policy when `max` are held already. */
function holdWithin<T>(
  queue: T[],
  value: T,
  max: number,
  overflow: OverflowPolicy,
  onDrop: ((error: MessageDroppedError<T>) => void) | undefined,
  subscriber: Subscriber<T>,
): void {
  if (queue.length < max) {
    queue.push(value);
  } else if (overflow === 'drop-oldest') {
    queue.push(value);
    onDrop?.(new MessageDroppedError(queue.shift()!, 'drop-oldest'));
  } else if (overflow === 'drop-newest') {
    onDrop?.(new MessageDroppedError(value, 'drop-newest'));
  } else {
    subscriber.error(new QueueOverflowError(value, queue.splice(0), max));
  }
}
