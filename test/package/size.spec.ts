import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { build } from 'esbuild';
import { BUDGETS, CEILINGS, measure } from '../../bench/size';

/** The budget, or today's ceiling where the budget is not met yet (see CEILINGS). */
const limit = (name: keyof typeof BUDGETS): number => CEILINGS[name] ?? BUDGETS[name];

const app = inject('app');
const run = promisify(execFile);

describe('the browser client from the installed package, minified and gzipped', () => {
  it(`everything bundled (rxwire + rxjs + io-ts) stays within ${limit('everything')} bytes (budget ${BUDGETS.everything})`, async () => {
    const size = await measure(join(app, 'web/main.js'));
    console.log(`everything bundled: ${size.minified} B minified, ${size.gzipped} B gzipped (budget ${BUDGETS.everything})`);
    expect(size.warnings).toEqual([]);
    expect(size.gzipped).toBeLessThanOrEqual(limit('everything'));
  });

  it(`rxwire's own share (rxjs and io-ts external) stays within ${limit('own')} bytes (budget ${BUDGETS.own})`, async () => {
    const size = await measure(join(app, 'web/main.js'), { external: ['rxjs', 'io-ts', 'fp-ts'] });
    console.log(`rxwire's own share: ${size.minified} B minified, ${size.gzipped} B gzipped (budget ${BUDGETS.own})`);
    expect(size.inputs.some((file) => file.includes('node_modules/rxwire/dist/'))).toBe(true);
    expect(size.gzipped).toBeLessThanOrEqual(limit('own'));
  });

  it(`the reconnect operator alone stays within ${limit('reconnect')} bytes over the RxJS it uses (budget ${BUDGETS.reconnect})`, async () => {
    const size = await measure(join(app, 'web/reconnect.js'), { external: ['rxjs', 'rxjs/webSocket', 'io-ts', 'fp-ts'] });
    console.log(`reconnect alone: ${size.minified} B minified, ${size.gzipped} B gzipped (budget ${BUDGETS.reconnect})`);
    expect(size.gzipped).toBeLessThanOrEqual(limit('reconnect'));
  });

  it('every error class keeps its name in a minified bundle', async () => {
    const result = await build({ entryPoints: [join(app, 'web/errors.js')], bundle: true, platform: 'neutral', format: 'esm', minify: true, write: false, logLevel: 'silent', absWorkingDir: app, mainFields: ['module', 'main'] });
    const file = join(app, 'errors.min.mjs');
    writeFileSync(file, result.outputFiles[0]!.contents);
    const names = JSON.parse((await run(process.execPath, [file], { cwd: app })).stdout) as Record<string, string>;
    expect(Object.keys(names).length).toBeGreaterThanOrEqual(13);
    // Each error reads as the class users import, not as a minified identifier.
    for (const [exported, name] of Object.entries(names)) expect(name, exported).toBe(exported);
  });
});
