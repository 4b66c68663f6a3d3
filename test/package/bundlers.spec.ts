import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, createLogger } from 'vite';
import webpack from 'webpack';

const app = inject('app');
const entry = join(app, 'web/main.js');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The modules of a bundle that must never be in a browser build: ws and Node built-ins. */
function forbidden(modules: readonly string[]): string[] {
  return modules.filter((id) => /[\\/]node_modules[\\/](ws|ioredis)[\\/]/.test(id) || builtins.has(id) || id.startsWith('node:'));
}

/**
 * The modules of a bundle that are CommonJS builds: a browser client must reach only
 * ES modules (fp-ts's and io-ts's `lib/` builds cannot be tree-shaken).
 */
function commonJs(modules: readonly string[]): string[] {
  return modules.filter((id) => /node_modules[\\/](fp-ts|io-ts)[\\/]lib[\\/]|node_modules[\\/]rxjs[\\/]dist[\\/]cjs[\\/]|\.cjs$/.test(id));
}

/** Every module of a bundle comes from rxwire, rxjs, io-ts or fp-ts, or is the entry. */
function packagesOf(modules: readonly string[]): string[] {
  const names = modules.map((id) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(id)?.[1] ?? '(app)');
  return [...new Set(names)].sort();
}

describe('bundlers, default configurations, browser entry of the client', () => {
  it('esbuild bundles it with no warning and no Node built-in', async () => {
    const result = await esbuild({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent', absWorkingDir: app });
    const modules = Object.keys(result.metafile.inputs);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    expect(forbidden(modules)).toEqual([]);
    expect(commonJs(modules)).toEqual([]);
    expect(packagesOf(modules)).toEqual(['(app)', 'fp-ts', 'io-ts', 'rxjs', 'rxwire', 'tslib']);
  });

  it('Vite builds it with no warning and no Node built-in', async () => {
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = (message) => void warnings.push(message);
    logger.warnOnce = (message) => void warnings.push(message);
    const output = await viteBuild({ root: join(app, 'web'), logLevel: 'warn', customLogger: logger, build: { outDir: join(app, 'out-vite'), emptyOutDir: true } });
    const results = Array.isArray(output) ? output : [output];
    const modules = results.flatMap((result) =>
      'output' in result ? result.output.flatMap((chunk) => ('modules' in chunk ? Object.keys(chunk.modules) : [])) : [],
    );
    expect(warnings).toEqual([]);
    expect(modules.length).toBeGreaterThan(10);
    expect(forbidden(modules)).toEqual([]);
    expect(commonJs(modules)).toEqual([]);
    expect(packagesOf(modules)).toEqual(['(app)', 'fp-ts', 'io-ts', 'rxjs', 'rxwire', 'tslib']);
  });

  it('webpack 5 builds it with no warning and no Node built-in', async () => {
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack({ mode: 'production', context: app, entry, output: { path: join(app, 'out-webpack') } }, (error, result) => (error ? reject(error) : resolve(result!))),
    );
    const json = stats.toJson({ all: false, warnings: true, errors: true, modules: true, nestedModules: true });
    expect(json.errors?.map((e) => e.message) ?? []).toEqual([]);
    expect(json.warnings?.map((w) => w.message) ?? []).toEqual([]);
    const modules = (json.modules ?? []).flatMap((m) => [m, ...(m.modules ?? [])]).map((m) => m.nameForCondition ?? m.name ?? '');
    expect(forbidden(modules)).toEqual([]);
    expect(commonJs(modules)).toEqual([]);
    expect(packagesOf(modules.filter(Boolean))).toEqual(['(app)', 'fp-ts', 'io-ts', 'rxjs', 'rxwire', 'tslib']);
  });
});
