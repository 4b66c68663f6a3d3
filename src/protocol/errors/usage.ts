// A client used wrongly: contradictory options, or used after `close()`.
import { ErrorKind, RxwireError } from './base';

/**
 * The options given to a function were contradictory or invalid.
 *
 * @example
 * ```ts
 * // In a browser: a WebSocket there cannot send headers.
 * try {
 *   createClient({ url: 'wss://example.com/live', auth: { token: () => 'secret', via: 'header' } });
 * } catch (error) {
 *   if (error instanceof InvalidOptionsError) console.error(error.message); // use 'protocol' or 'query'
 * }
 * ```
 */
export class InvalidOptionsError extends RxwireError<typeof ErrorKind.InvalidOptions> {
  /** Always `'InvalidOptionsError'`, also in minified builds. */
  override readonly name: string = 'InvalidOptionsError';

  /** @param message - what is wrong and how to fix it. */
  constructor(message: string) {
    super(ErrorKind.InvalidOptions, message);
  }
}

/**
 * The client was closed with `close()`; it cannot be used any more.
 *
 * @example
 * ```ts
 * client.close();
 * client.send({ type: 'note' }); // throws ClientClosedError
 * ```
 */
export class ClientClosedError extends RxwireError<typeof ErrorKind.ClientClosed> {
  /** Always `'ClientClosedError'`, also in minified builds. */
  override readonly name: string = 'ClientClosedError';

  constructor() {
    super(ErrorKind.ClientClosed, 'the client is closed');
  }
}
