import { asyncScheduler, config } from 'rxjs';

/**
 * Reports an error nobody handles the way RxJS does: `config.onUnhandledError`, or thrown
 * asynchronously. It goes through `asyncScheduler`, so that inside `TestScheduler.run` it
 * surfaces from `run()` in virtual time, as RxJS's own reports do, not as a stray
 * exception after the test.
 */
export function reportUnhandled(error: unknown): void {
  asyncScheduler.schedule(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(error);
    else throw error;
  });
}
