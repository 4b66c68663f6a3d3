import type { Observable } from 'rxjs';

/**
 * The current figures of a `stats$` stream (client or server): it emits at once on
 * subscription, so a subscription taken and dropped at once reads them.
 */
export function statsNow<S>(stats$: Observable<S>): S {
  let now: S | undefined;
  stats$.subscribe((s) => (now = s)).unsubscribe();
  if (now === undefined) throw new Error('stats$ did not emit at once on subscription');
  return now;
}
