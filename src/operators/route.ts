import { MonoTypeOperatorFunction, Observable } from 'rxjs';

/**
 * Delivers each value to the handler registered under its key, with one `Map` lookup
 * per value, so the cost per value does not grow with the number of routes (RxJS's
 * `multiplex` filters every value once per subscriber). Values without a key, or
 * whose key has no handler, pass downstream.
 *
 * The `routes` map is read on every value, so routes can be added and removed while
 * the stream runs.
 *
 * @param keyOf - the routing key of a value, or `undefined` to pass it downstream.
 * @param routes - the handlers by key.
 *
 * @example
 * ```ts
 * const rooms = new Map<string, (m: ChatMessage) => void>([['lobby', (m) => lobby.next(m)]]);
 * socket.pipe(route((m) => m.room, rooms)).subscribe((unrouted) => console.warn('no room', unrouted));
 * ```
 */
export function route<T, K>(keyOf: (value: T) => K | undefined, routes: ReadonlyMap<K, (value: T) => void>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => {
          const key = keyOf(value);
          const handler = key === undefined ? undefined : routes.get(key);
          if (handler) handler(value);
          else subscriber.next(value);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
