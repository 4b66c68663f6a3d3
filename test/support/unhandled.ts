import { afterEach } from 'vitest';
import { config } from 'rxjs';

/** What RxJS reported as unhandled (`config.onUnhandledError`) since `catchUnhandled()`; emptied after each test. */
export const unhandled: unknown[] = [];

afterEach(() => {
  config.onUnhandledError = null;
  unhandled.length = 0;
});

/** From now on in this test, RxJS's unhandled errors are collected in `unhandled` instead of thrown. */
export function catchUnhandled(): void {
  config.onUnhandledError = (error) => unhandled.push(error);
}

/** One macrotask later: RxJS reports an unhandled error on a timeout, not at once. */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
