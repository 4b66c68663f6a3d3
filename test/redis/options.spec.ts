import { describe, expect, it } from 'vitest';
import { redisBroker } from '../../src/redis/index';
import { InvalidOptionsError } from '../../src/protocol/errors';

describe('redisBroker options', () => {
  it('refuses to start without a url or a client, with InvalidOptionsError (kind INVALID_OPTIONS)', () => {
    let thrown: unknown;
    try {
      redisBroker({});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as InvalidOptionsError).kind).toBe('INVALID_OPTIONS');
    expect((thrown as Error).message).toMatch(/url or a client/);
  });
});
