import { describe, expect, it } from 'vitest';
import { createServer, SERVER_DEFAULTS } from '../../src/server';
import { InvalidOptionsError, RxwireError } from '../../src/index';
import { resolveOptions } from '../../src/server/options';
import { smartHome } from '../support/smartHome';

describe('server options', () => {
  it('applies SERVER_DEFAULTS to every option not given, and keeps what is given', () => {
    const resolved = resolveOptions({ protocol: smartHome, limits: { maxDepth: 8 } });
    expect(resolved).toMatchObject({
      host: SERVER_DEFAULTS.host,
      refuseWith: SERVER_DEFAULTS.refuseWith,
      pingInterval: SERVER_DEFAULTS.pingInterval,
      upgradeTimeout: SERVER_DEFAULTS.upgradeTimeout,
      closeTimeout: SERVER_DEFAULTS.closeTimeout,
      limits: { ...SERVER_DEFAULTS.limits, maxDepth: 8 },
    });
  });

  it('publishes the defaults the options document, frozen all the way down', () => {
    expect(SERVER_DEFAULTS).toEqual({
      host: '127.0.0.1',
      refuseWith: 'close',
      pingInterval: 30_000,
      upgradeTimeout: 10_000,
      closeTimeout: 2000,
      limits: {
        maxPayload: 1_048_576,
        maxSubscriptions: 1000,
        rate: { messages: 2000, interval: 1000 },
        maxBufferedBytes: 4_194_304,
        maxDepth: 64,
        maxConnections: 10_000,
        maxConnectionsPerAddress: 1000,
      },
      memoryBroker: { historySize: 100, historyTtl: 300_000 },
    });
    expect(Object.isFrozen(SERVER_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(SERVER_DEFAULTS.limits.rate)).toBe(true);
    expect(() => ((SERVER_DEFAULTS.limits as { maxDepth: number }).maxDepth = 1)).toThrow(TypeError);
  });

  it.each([
    ['no protocol', {}],
    ['a port out of range', { port: 70_000 }],
    ['a pingInterval of 0', { pingInterval: 0 }],
    ['a negative closeTimeout', { closeTimeout: -1 }],
    ['a rate interval of 0', { limits: { rate: { messages: 10, interval: 0 } } }],
    ['a NaN maxSubscriptions', { limits: { maxSubscriptions: Number.NaN } }],
    ['a maxPayload of 0', { limits: { maxPayload: 0 } }],
    ['an unknown refuseWith', { refuseWith: 'email' }],
  ])('rejects %s with InvalidOptionsError (kind INVALID_OPTIONS) before listening', async (_what, options) => {
    const base = _what === 'no protocol' ? {} : { protocol: smartHome };
    const error = await createServer({ ...base, ...options } as never).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toBeInstanceOf(RxwireError);
    expect((error as InvalidOptionsError).kind).toBe('INVALID_OPTIONS');
  });

  it('accepts Infinity for the connection limits ("no limit")', () => {
    expect(() => resolveOptions({ protocol: smartHome, limits: { maxConnections: Infinity, maxConnectionsPerAddress: Infinity } })).not.toThrow();
  });
});
