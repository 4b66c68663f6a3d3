import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { statsNow } from '../support/stats';
import type { ManyRecord } from './page';
import { hasChromium, sleep, useBrowser } from './support';

const manySnapshot = (page: Page): Promise<ManyRecord> => page.evaluate(() => window.rxwirePage.manySnapshot());

async function untilMany(page: Page, predicate: (r: ManyRecord) => boolean, what: string, timeoutMs = 10_000): Promise<ManyRecord> {
  const started = Date.now();
  for (;;) {
    const r = await manySnapshot(page);
    if (predicate(r)) return r;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify({ ...r, temperatures: undefined })}`);
    await sleep(20);
  }
}

describe.skipIf(!hasChromium)('many channels at once, in Chromium', () => {
  const browser = useBrowser();

  it('subscribes 500 channels in one turn: one batch out, the answers in a few batch frames, every channel live', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    const ids = Array.from({ length: 500 }, (_, i) => `device-${i}`);
    await page.evaluate(({ url, ids }) => window.rxwirePage.startMany(url, ids), { url: srv.url, ids });
    await srv.subscriptions(500, 10_000);
    // The answers are out once the server holds them all; let the page read them.
    await untilMany(page, (r) => r.framesIn >= 2 && r.batchesIn >= 1, 'the batched answers');
    // Each device gets its own message, with its index as the temperature.
    for (let i = 0; i < ids.length; i++) await srv.server!.publish('device', { id: ids[i]! }, { id: ids[i]!, temperature: i });
    const r = await untilMany(page, (x) => Object.values(x.temperatures).every((t) => t.length >= 1), 'a message on every channel');
    await sleep(100); // room for a duplicate, were one coming

    const last = await manySnapshot(page);
    expect(last.temperatures).toEqual(Object.fromEntries(ids.map((id, i) => [id, [i]])));
    expect(last.errors).toEqual([]);
    expect(last.channelErrors).toEqual([]);
    // One subscribe batch asked for batched answers ...
    expect(last.batchRequestsOut).toBe(1);
    // ... and 500 `subscribed` answers came in a handful of frames (the welcome, then
    // batch frames of at most 256 KiB each, and at most one per server turn), not 500.
    expect(r.framesIn - ids.length).toBeLessThan(50);
    expect(last.framesIn).toBe(r.framesIn);
    // The server counts each answer as a frame sent, batched or not.
    expect(statsNow(srv.server!.stats$).messagesOut).toBeGreaterThanOrEqual(1 + 2 * ids.length);
  }, 40_000);
});
