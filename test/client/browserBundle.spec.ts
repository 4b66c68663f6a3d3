import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';

/** Bundles `entry` for the browser as an ESM module, in memory, with its metafile. */
const bundle = (entry: string, minify = false) =>
  build({ entryPoints: [entry], bundle: true, minify, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });

describe('the browser bundle', () => {
  it('bundles rxwire for the browser without ws or any Node built-in', async () => {
    const result = await bundle('src/index.ts');
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((file) => file.includes('node_modules/rxjs/'))).toBe(true);
    expect(inputs.filter((file) => file.includes('node_modules/ws/') || file.startsWith('node:'))).toEqual([]);
  });

  it('bundles rxwire/graphql for the browser without graphql, graphql-ws, ws or any Node built-in, in a few kilobytes', async () => {
    const result = await bundle('src/graphql/index.ts', true);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.filter((file) => /node_modules\/(graphql|graphql-ws|ws)\//.test(file) || file.startsWith('node:'))).toEqual([]);
    // The adapter alone (its share of the errors module included): no GraphQL implementation.
    expect(result.outputFiles![0]!.contents.byteLength).toBeLessThan(8 * 1024);
  });
});
