import { BehaviorSubject, Subject, Subscription, concat, from, tap } from 'rxjs';
import { queueWhileOffline, OverflowPolicy } from '../operators/queueWhileOffline';
import { MessageDroppedError, QueueOverflowError } from '../protocol/errors';

/** What the outbound path needs from its client. */
export interface OutboundIo {
  open$: BehaviorSubject<boolean>;
  canSend(): boolean;
  write(frame: string): void;
  onDrop(error: MessageDroppedError): void;
  onOverflow(error: QueueOverflowError): void;
  onQueueSize(delta: number): void;
}

/**
 * The path of `send()`: serialized frames go through {@link queueWhileOffline} to the
 * open socket. With the `'error'` overflow policy the queue errors; the path then
 * starts again with the held frames, so that `send()` can throw and nothing is lost.
 */
export class OutboundPath {
  private readonly input = new Subject<string>();
  private subscription: Subscription | undefined;
  private overflowed: QueueOverflowError | undefined;

  constructor(
    private readonly io: OutboundIo,
    private readonly max: number,
    private readonly overflow: OverflowPolicy,
  ) {
    this.start([]);
  }

  /** Queues or writes one frame; throws the overflow error under the `'error'` policy. */
  push(frame: string): void {
    this.input.next(frame);
    const error = this.overflowed;
    if (error) {
      this.overflowed = undefined;
      throw error;
    }
  }

  /** Stops the path; frames still held are reported as dropped. */
  stop(): void {
    this.subscription?.unsubscribe();
    this.input.complete();
  }

  private start(held: readonly string[]): void {
    const { io } = this;
    this.subscription = concat(from(held), this.input)
      .pipe(
        tap(() => io.onQueueSize(1)),
        queueWhileOffline<string>({
          open$: io.open$,
          canSend: io.canSend,
          max: this.max,
          overflow: this.overflow,
          onDrop: (dropped) => {
            io.onQueueSize(-1);
            io.onDrop(new MessageDroppedError(JSON.parse(dropped.dropped), dropped.reason));
          },
        }),
      )
      .subscribe({
        next: (frame) => {
          io.onQueueSize(-1);
          io.write(frame);
        },
        error: (error: QueueOverflowError<string>) => {
          io.onQueueSize(-(error.queued.length + 1));
          const parsed = new QueueOverflowError(JSON.parse(error.rejected), error.queued.map((f) => JSON.parse(f)), error.max);
          this.overflowed = parsed;
          io.onOverflow(parsed);
          this.start(error.queued);
        },
      });
  }
}
