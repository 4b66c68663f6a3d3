import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../../src/server';
import { BrowserServer, hasChromium, sleep, snapshot, startClient, statuses, until, useBrowser } from './support';

const FAST = { initialDelay: 50, maxDelay: 200 };

describe.skipIf(!hasChromium)('recovery across a server restart, in Chromium', () => {
  const browser = useBrowser();

  it('reconnects to the restarted server (same port, same broker) and gets what it missed exactly once, in order', async () => {
    const broker = memoryBroker();
    browser.after(() => broker.close());
    const srv = await browser.server({}, broker);
    const page = await browser.page();
    await startClient(page, { url: srv.url, auth: { token: 'user' }, reconnect: FAST });
    await srv.subscriptions(1);
    for (let i = 1; i <= 3; i++) await srv.publish(i);
    await until(page, (r) => r.temperatures.length >= 3, 'the first three');

    await srv.stop(); // 1001 to the client
    for (let i = 4; i <= 6; i++) await srv.publish(i); // missed while the server is down
    await srv.start();
    await until(page, (r) => r.temperatures.length >= 6, 'the replay');
    await srv.subscriptions(1);
    await srv.publish(7);
    await until(page, (r) => r.temperatures.length >= 7, 'the live message after the replay');
    await sleep(200); // room for a duplicate, were one coming

    const r = await snapshot(page);
    expect(r.temperatures).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.gaps).toEqual([]);
    const seen = statuses(r);
    // reconnecting after the server went away; connecting again (maybe more than once
    // while the port was closed); open.
    expect(seen.slice(0, 4)).toEqual(['closed', 'connecting', 'open', 'reconnecting']);
    expect(seen.slice(-2)).toEqual(['connecting', 'open']);
    expect(seen.filter((s) => s === 'open')).toHaveLength(2);
    expect(r.states.find((s) => s.status === 'reconnecting')).toMatchObject({ code: 1001 });
  });

  it('after a restart that lost the history (a fresh broker), gives exactly one gap notice and goes on', async () => {
    const first = await browser.server();
    const page = await browser.page();
    await startClient(page, { url: first.url, auth: { token: 'user' }, reconnect: FAST });
    await first.subscriptions(1);
    const before = await first.publish(1);
    await until(page, (r) => r.temperatures.length >= 1, 'the first message');
    await first.stop();

    const fresh = memoryBroker();
    browser.after(() => fresh.close());
    const second = new BrowserServer(fresh);
    second.port = first.port;
    await second.start();
    browser.after(() => second.stop());
    await second.subscriptions(1);
    const after = await second.publish(2);
    await second.publish(3);
    await until(page, (r) => r.temperatures.length >= 3, 'the messages of the new server');
    await sleep(200); // room for a second notice, were one coming

    const r = await snapshot(page);
    expect(after.epoch).not.toBe(before.epoch);
    expect(r.temperatures).toEqual([1, 2, 3]);
    expect(r.gaps).toEqual([{ channel: 'device', params: { id: 'oven-1' }, epoch: after.epoch }]);
    expect(statuses(r).slice(-2)).toEqual(['connecting', 'open']);
  });
});
