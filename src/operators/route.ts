import { MonoTypeOperatorFunction, Observable } from 'rxjs';

/** Where {@link route} delivers the values of one key: any observer, a `Subject` for example. */
export interface RouteTarget<T> {
  /** Receives one value routed to this target. */
  next(value: T): void;
}

/**
 * Delivers each value to the target registered under its key, with one `Map` lookup
 * per value, so the cost per value does not grow with the number of routes (RxJS's
 * `multiplex` filters every value once per subscriber). Values without a key, or
 * whose key has no handler, pass downstream.
 *
 * The `routes` map is read on every value, so routes can be added and removed while
 * the stream runs.
 *
 * @param keyOf - the routing key of a value, or `undefined` to pass it downstream.
 * @param routes - the targets by key (observers, e.g. Subjects).
 *
 * @example
 * ```ts
 * const rooms = new Map<string, Subject<ChatMessage>>([['lobby', lobby$]]);
 * socket.pipe(route((m) => m.room, rooms)).subscribe((unrouted) => console.warn('no room', unrouted));
 * ```
 */
export function route<T, K>(keyOf: (value: T) => K | undefined, routes: ReadonlyMap<K, RouteTarget<T>>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => {
          // A synchronous source goes on emitting after an error until its subscribe returns.
          if (subscriber.closed) return;
          // As RxJS's own operators: a throwing keyOf or target errors the output, which tears down the source.
          try {
            const key = keyOf(value);
            const target = key === undefined ? undefined : routes.get(key);
            if (target) target.next(value);
            else subscriber.next(value);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
