import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createFaultProxy } from '../../src/testing';
import type { PageClientOptions } from './page';
import { BrowserServer, hasChromium, sleep, snapshot, startClient, statuses, until, useBrowser } from './support';

// A short heartbeat, so that a silence is noticed within a test: 600 ms of silence allowed.
const HEARTBEAT = { interval: 300, timeout: 300 };
const SILENCE = HEARTBEAT.interval + HEARTBEAT.timeout;
// A retry delay far longer than any wait here: only the browser saying "online" can cut it short.
const SLOW_RETRY = { initialDelay: 20_000, maxDelay: 20_000, jitter: 'none' as const };

/** Publishes 1, 2, 3, ... every 50 ms until the returned function is called; it resolves with how many. */
function publishing(srv: BrowserServer): () => Promise<number> {
  let n = 0;
  let go = true;
  const loop = (async () => {
    while (go) {
      await srv.publish(++n);
      await sleep(50);
    }
  })();
  return async () => {
    go = false;
    await loop;
    return n;
  };
}

/** Starts the page's client with the short heartbeat and waits until its channel is live on the server. */
async function openClient(page: Page, srv: BrowserServer, url = srv.url, options: Partial<PageClientOptions> = {}): Promise<void> {
  await startClient(page, { url, auth: { token: 'user' }, heartbeat: HEARTBEAT, ...options });
  await until(page, (r) => r.states.some((s) => s.status === 'open'), 'open');
  await srv.subscriptions(1);
}

describe.skipIf(!hasChromium)('going offline and online, in Chromium', () => {
  const browser = useBrowser();

  it('reconnects at once when the browser goes back online, not after the backoff, and recovers what was published meanwhile', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    await openClient(page, srv, srv.url, { reconnect: SLOW_RETRY });
    // Offline, the socket stays "open" but nothing passes: the heartbeat notices, and the
    // retry waits out its 20 s delay.
    await browser.rig().context.setOffline(true);
    await until(page, (r) => r.states.at(-1)?.status === 'reconnecting', 'reconnecting', 3000);
    await srv.publish(1);
    await sleep(300);
    expect(statuses(await snapshot(page)).at(-1)).toBe('reconnecting');

    await browser.rig().context.setOffline(false);
    const r = await until(page, (rec) => rec.states.at(-1)?.status === 'open' && rec.temperatures.length > 0, 'open again', 5000);
    const online = r.network.find((e) => e.type === 'online');
    expect(online, 'the browser fired online').toBeDefined();
    expect(r.states.at(-1)!.at - online!.at).toBeLessThan(2000);
    expect(r.states.find((s) => s.status === 'reconnecting')).toMatchObject({ delay: 20_000 });
    expect(r.errors.map((e) => e.kind)).toEqual(['HEARTBEAT_TIMEOUT']);
    expect(r.temperatures).toEqual([1]);
  });

  it("retries at once on the window's online event while waiting out a backoff", async () => {
    const srv = await browser.server();
    const page = await browser.page();
    await openClient(page, srv, srv.url, { reconnect: SLOW_RETRY, heartbeat: false });
    await srv.stop();
    await until(page, (r) => r.states.at(-1)?.status === 'reconnecting', 'reconnecting');
    await srv.start();
    await sleep(500);
    expect(statuses(await snapshot(page)).at(-1), 'nothing retries on its own before 20 s').toBe('reconnecting');

    const sent = await page.evaluate(() => {
      window.dispatchEvent(new Event('online'));
      return performance.now();
    });
    const r = await until(page, (rec) => rec.states.at(-1)?.status === 'open', 'open again', 3000);
    expect(r.states.at(-1)!.at - sent).toBeLessThan(1000);
    expect(statuses(r)).toEqual(['closed', 'connecting', 'open', 'reconnecting', 'connecting', 'open']);
  });
});

describe.skipIf(!hasChromium)('the heartbeat of a page whose timers are throttled, in Chromium', () => {
  const browser = useBrowser();

  it('raises no false heartbeat timeout while messages arrive and every timer of the page is held back for 3 × (interval + timeout)', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    await openClient(page, srv);
    const stop = publishing(srv);
    // The stall is real: a timer due in 10 ms runs only at the wake-up.
    const canary = await page.evaluate(async (ms) => {
      const started = performance.now();
      const woken = window.rxwirePage.stallTimers(ms);
      const ran = await new Promise<number>((resolve) => setTimeout(() => resolve(performance.now() - started), 10));
      await woken;
      return ran;
    }, 3 * SILENCE);
    const published = await stop();
    await sleep(SILENCE); // the late ping's pong, and any timeout, have come by now
    const r = await snapshot(page);
    expect(canary).toBeGreaterThanOrEqual(3 * SILENCE);
    expect(r.errors).toEqual([]);
    expect(statuses(r)).toEqual(['closed', 'connecting', 'open']);
    expect(r.temperatures).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  });

  it('raises no false heartbeat timeout after the main thread was blocked for 3 × (interval + timeout) while messages kept coming', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    await openClient(page, srv);
    const stop = publishing(srv);
    await page.evaluate((ms) => window.rxwirePage.busy(ms), 3 * SILENCE);
    const published = await stop();
    await sleep(SILENCE);
    const r = await snapshot(page);
    expect(r.errors).toEqual([]);
    expect(statuses(r)).toEqual(['closed', 'connecting', 'open']);
    expect(r.temperatures).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  });

  it('still detects a real silence (a half-open connection) with HEARTBEAT_TIMEOUT, and reconnects', async () => {
    const srv = await browser.server();
    const proxy = await createFaultProxy({ target: { port: srv.port } });
    browser.after(() => proxy.close());
    const page = await browser.page();
    await openClient(page, srv, `ws://127.0.0.1:${proxy.port}/live`, {
      reconnect: { initialDelay: 50, maxDelay: 100 },
      // A retry made while the proxy still black-holes hangs in its handshake: give it up soon.
      connectTimeout: 500,
    });
    proxy.blackhole(true);
    const cut = Date.now();
    const r = await until(page, (rec) => rec.errors.length > 0, 'the heartbeat timeout', 3000);
    expect(Date.now() - cut).toBeLessThan(2 * SILENCE + 500);
    expect(r.errors[0]).toMatchObject({ name: 'HeartbeatTimeoutError', kind: 'HEARTBEAT_TIMEOUT' });
    expect(r.states.find((s) => s.status === 'reconnecting')).toMatchObject({ error: { kind: 'HEARTBEAT_TIMEOUT' } });
    proxy.blackhole(false);
    await until(page, (rec) => rec.states.at(-1)?.status === 'open' && statuses(rec).filter((s) => s === 'open').length === 2, 'open again');
  });


  // A quiet, healthy connection in a throttled page: the watchdog wakes late together
  // with the ping timer; silence counts only once a ping went out and `timeout` passed.
  it('raises no false heartbeat timeout on a quiet, healthy connection after its timers were held back', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    await openClient(page, srv);
    await page.evaluate((ms) => window.rxwirePage.stallTimers(ms), 3 * SILENCE);
    await sleep(SILENCE); // the late ping's pong comes well within this
    const r = await snapshot(page);
    expect(r.errors).toEqual([]);
    expect(statuses(r)).toEqual(['closed', 'connecting', 'open']);
  });
});
