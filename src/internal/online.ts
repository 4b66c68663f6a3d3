import { NEVER, Observable, fromEvent } from 'rxjs';

/** The browser's `online` event, or an Observable that never emits where there is no `window`. */
export function browserOnline$(): Observable<unknown> {
  const target = (globalThis as { window?: { addEventListener?: unknown } }).window;
  return target && typeof target.addEventListener === 'function'
    ? fromEvent(target as unknown as EventTarget, 'online')
    : NEVER;
}
