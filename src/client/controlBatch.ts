import { asapScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/** The most frames the client puts in one batch (the server takes up to 10,000). */
export const MAX_BATCH_FRAMES = 1000;

/**
 * Subscribe and unsubscribe frames issued in the same turn, held to its end and written
 * as one batch frame (where the adapter has one): subscribing to 10,000 channels at once,
 * or resubscribing them after a reconnect, is then ten frames, not ten thousand.
 */
export class ControlBatch {
  private held: unknown[] = [];
  private flushing: Subscription | undefined;

  constructor(
    private readonly batch: ((frames: readonly unknown[]) => unknown) | undefined,
    private readonly write: (text: string) => void,
    private readonly scheduler: SchedulerLike = asapScheduler,
  ) {}

  /** Holds a frame for the end of this turn; without a batch frame, writes it at once. */
  push(frame: unknown): void {
    if (!this.batch) return this.write(JSON.stringify(frame));
    this.held.push(frame);
    this.flushing ??= this.scheduler.schedule(() => this.flush());
  }

  /** Writes what is held now: before any other frame, so that the order stays. */
  flush(): void {
    this.flushing?.unsubscribe();
    this.flushing = undefined;
    const frames = this.held;
    if (frames.length === 0) return;
    this.held = [];
    if (frames.length === 1) return this.write(JSON.stringify(frames[0]));
    for (let i = 0; i < frames.length; i += MAX_BATCH_FRAMES) this.write(JSON.stringify(this.batch!(frames.slice(i, i + MAX_BATCH_FRAMES))));
  }
}
