import { Observable, Subject, auditTime, defer, map, merge, of, type SchedulerLike } from 'rxjs';

type NumericKeys<C> = { [K in keyof C]: C[K] extends number ? K : never }[keyof C];

/**
 * Counters that say when they change, and the `stats$` stream both the client and the
 * server build over them: a snapshot at once, then at most one every `interval` while
 * the counters move.
 * @internal
 */
export class Tally<C extends object> {
  private readonly changed = new Subject<void>();

  constructor(readonly counts: C) {}

  /** Adds `delta` to a counter. */
  add(key: NumericKeys<C>, delta = 1): void {
    (this.counts[key] as number) += delta;
    // Every frame in and out counts: no Subject call while no stats$ is observed.
    if (this.changed.observed) this.changed.next();
  }

  /**
   * Tells the streams that counters moved, after the caller added to `counts` by name
   * itself (`tally.counts.messagesOut += 1`): for counters moved on every frame, where
   * `add`'s access by a varying key costs a megamorphic lookup. Nothing while unobserved.
   */
  moved(): void {
    if (this.changed.observed) this.changed.next();
  }

  /** Sets a counter (a gauge such as the last round-trip time). */
  set<K extends keyof C>(key: K, value: C[K]): void {
    this.counts[key] = value;
    if (this.changed.observed) this.changed.next();
  }

  /** Snapshots at once, then at most one per `interval` while counters change. */
  stream<S>(snapshot: () => S, interval: number, scheduler: SchedulerLike): Observable<S> {
    return defer(() => merge(of(undefined), this.changed.pipe(auditTime(interval, scheduler))).pipe(map(snapshot)));
  }

  /** Ends every stream: the owner closed. */
  complete(): void {
    this.changed.complete();
  }
}
