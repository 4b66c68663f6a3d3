import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';

describe('the browser bundle', () => {
  it('bundles rxwire for the browser without ws or any Node built-in', async () => {
    const result = await build({
      entryPoints: ['src/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((file) => file.includes('node_modules/rxjs/'))).toBe(true);
    expect(inputs.filter((file) => file.includes('node_modules/ws/') || file.startsWith('node:'))).toEqual([]);
  });
});
