import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestRedis, hasRedis } from '../support/redis';
import { entryPoints } from './setup';

const run = promisify(execFile);
const app = inject('app');

describe('the installed package in Node', () => {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    if (hasRedis) redis = await TestRedis.start();
  });
  afterAll(async () => redis?.stop());

  it('exports the five entry points this suite checks', () => {
    // A new entry point must be added to the consumers (app.mjs, app.cjs, consumer.ts).
    expect(entryPoints()).toEqual(['rxwire', 'rxwire/testing', 'rxwire/server', 'rxwire/redis', 'rxwire/graphql']);
  });

  for (const [format, file] of [
    ['ESM import', 'app.mjs'],
    ['CommonJS require', 'app.cjs'],
  ] as const) {
    it(`${format}: every entry point loads and a server, a proxy and a client work end to end`, async () => {
      const env = { ...process.env, ...(redis ? { REDIS_URL: redis.url } : {}) };
      const { stdout } = await run(process.execPath, [file], { cwd: app, env, timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(result).toEqual({
        format: file.endsWith('.mjs') ? 'esm' : 'cjs',
        ticks: 3,
        ordered: true,
        reply: 'HI',
        errorName: 'ConnectionClosedError',
        kind: 'CONNECTION_CLOSED',
        sharedClasses: true,
        broker: redis ? 'redis' : 'memory',
        graphql: 'graphql-transport-ws',
      });
    });
  }
});
