import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { memoryBroker } from '../../src/server';
import { createHome } from '../../examples/iot/home';
import { smartHome } from '../../examples/iot/protocol';
import { startIotServer, type IotServer } from '../../examples/iot/server';
import { buildApp, exampleDir, root, serveApp, type AppServer } from '../../examples/angular/host';

// The Angular example (examples/angular) built in production mode and driven in
// Chromium against the iot example's server. It needs the example's dependencies
// (`npm ci` in examples/angular, after `npm run build` here) and Debian's chromium:
// without them it is skipped, loudly, except under CI, where it fails.

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];
const missing = [
  existsSync(join(exampleDir, 'node_modules/@angular/core')) ? undefined : 'examples/angular/node_modules (npm run build, then npm ci in examples/angular)',
  existsSync(CHROMIUM) ? undefined : `${CHROMIUM} (apt-get install -y chromium)`,
].filter((what): what is string => what !== undefined);
const ci = process.env.CI === 'true';
if (missing.length > 0 && !ci) console.warn(`\n*** the Angular example test is SKIPPED: missing ${missing.join(' and ')} ***\n`);
// "rxwire": "file:../.." is installed as a copy (.npmrc): a rebuilt dist/ needs a new `npm ci` there.
const installed = join(exampleDir, 'node_modules/rxwire/dist/index.js');
const built = join(root, 'dist/index.js');
if (missing.length === 0 && existsSync(built) && existsSync(installed) && !readFileSync(built).equals(readFileSync(installed))) {
  console.warn('\n*** the Angular example runs on an older build of rxwire than dist/: run `npm ci` in examples/angular ***\n');
}

/** Every io-ts codec of a protocol replaced by its name, which spells out its structure. */
const shape = (protocol: unknown) =>
  JSON.parse(JSON.stringify(protocol, (_key, value: unknown) => (value && typeof value === 'object' && 'decode' in value && 'name' in value ? value.name : value)));

describe.skipIf(missing.length > 0 && !ci)('the Angular example', () => {
  let iot: IotServer | undefined;
  let app: AppServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const home = createHome();
  const broker = memoryBroker();

  beforeAll(() => mkdirSync(join(root, 'test-results'), { recursive: true }));
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await iot?.stop();
  });

  it('has what it needs to run', () => {
    expect(missing).toEqual([]);
  });

  it('speaks the protocol the iot server speaks', async () => {
    // A path computed at run time: the root's type-check must not follow it into the
    // example, whose imports resolve from its own node_modules.
    const browserCopy = join(exampleDir, 'src/app/home.protocol.ts');
    const { smartHome: appProtocol } = (await import(browserCopy)) as { smartHome: unknown };
    expect(shape(appProtocol)).toEqual(shape(smartHome));
  });

  it('builds in production mode without a warning', async () => {
    const build = await buildApp();
    console.log(`ng build (production): ${(build.ms / 1000).toFixed(1)} s`);
    expect(build.output).toContain('Application bundle generation complete');
    expect(build.output).not.toMatch(/WARNING/);
    expect(build.ok).toBe(true);
  }, 180_000);

  it('passes its component specs (ng test)', () => {
    const ng = join(exampleDir, 'node_modules/@angular/cli/bin/ng.js');
    const result = spawnSync(process.execPath, [ng, 'test', '--watch=false'], {
      cwd: exampleDir,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
    });
    const output = `${result.stdout}${result.stderr}`;
    expect(output, output).toMatch(/Tests\s+\d+ passed/);
    expect(result.status, output).toBe(0);
  }, 120_000);

  it('shows the devices live in Chromium and the connection surviving a server restart', async () => {
    iot = await startIotServer({ tickMs: 300, home, broker });
    const port = iot.server.port;
    app = await serveApp(() => ({ server: iot!.url, token: 'token-alice' }));

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 560 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Chromium logs every refused connection attempt while the server is down.
      if (message.type() === 'error' && !/WebSocket connection to .* failed/.test(message.text())) pageErrors.push(message.text());
    });
    await page.goto(app.url);

    const status = page.locator('app-connection-status [data-status]');
    const temperature = page.locator('[data-device="oven-1"] .temperature');
    const outcome = page.locator('app-target-form .outcome');
    const text = async (locator: ReturnType<Page['locator']>) => (await locator.textContent({ timeout: 10_000 }))?.trim() ?? '';
    const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

    // Online, with the tiles updating as the server ticks.
    await poll(() => status.getAttribute('data-status')).toBe('open');
    expect(await text(status)).toBe('online');
    const first = await text(temperature);
    await poll(() => text(temperature)).not.toBe(first);
    expect(await text(page.locator('[data-device="dishwasher-1"] .minutes'))).toMatch(/^\d+$/);
    expect(await text(page.locator('[data-device="fridge-1"] .door'))).toBe('door closed');
    // Bob's oven is refused: its tile says why, the others carry on.
    expect(await text(page.locator('[data-device="oven-2"] .error'))).toMatch(/^FORBIDDEN/);

    // The form's request: the server's error with its code, then a reply.
    await page.fill('app-target-form input', '900');
    await page.click('app-target-form button');
    await poll(() => text(outcome)).toBe('OUT_OF_RANGE: targets go from 0 to 300 °C (from 0 to 300)');
    await page.fill('app-target-form input', '250');
    await page.click('app-target-form button');
    await poll(() => text(outcome)).toBe('oven-1: target set to 250 °C');
    // The alert event, once the oven gets there.
    await poll(() => text(page.locator('app-alert-list'))).toContain('Kitchen oven reached 250 °C');
    await page.screenshot({ path: join(root, 'test-results/angular-dashboard.png') });

    // The server goes away: the indicator says reconnecting, with the attempt and delay.
    await iot.stop();
    await poll(() => status.getAttribute('data-status')).toBe('reconnecting');
    expect(await text(status)).toMatch(/^reconnecting: attempt \d+ in \d+\.\d s$/);
    expect(await page.locator('.tiles.stale').count()).toBe(1);
    await page.screenshot({ path: join(root, 'test-results/angular-reconnecting.png') });

    // It comes back with its history (the same broker): online again, nothing lost, and
    // the oven (which sat at 250 °C) cools toward a new target.
    iot = await startIotServer({ port, tickMs: 300, home, broker });
    await poll(() => status.getAttribute('data-status')).toBe('open');
    await page.fill('app-target-form input', '100');
    await page.click('app-target-form button');
    await poll(() => text(outcome)).toBe('oven-1: target set to 100 °C');
    await poll(async () => Number(await text(temperature))).toBeLessThan(250);
    expect(await page.locator('.gap').count()).toBe(0);

    // It comes back without its history (a new in-memory broker): the gap notice.
    await iot.stop();
    await poll(() => status.getAttribute('data-status')).toBe('reconnecting');
    iot = await startIotServer({ port, tickMs: 300, home, broker: memoryBroker() });
    await poll(() => status.getAttribute('data-status')).toBe('open');
    await poll(() => text(page.locator('.gap'))).toMatch(/could not be recovered after the reconnect/);
    await page.screenshot({ path: join(root, 'test-results/angular-gap.png') });

    expect(pageErrors).toEqual([]);
  }, 120_000);
});
