import { describe, expect, it } from 'vitest';
import { hasChromium, startClient, until, useBrowser } from './support';

// A JWT-shaped token in base64url: letters, digits, '-', '_' and '.', all valid in a subprotocol.
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvdmVuLTEifQ.q-_3xZ0-Ab_c9';

describe.skipIf(!hasChromium)('the client in Chromium, against a real rxwire server', () => {
  const browser = useBrowser();

  it("sends the token as a subprotocol entry (via: 'protocol'), opens, gets live messages and a reply", async () => {
    const srv = await browser.server({ authenticate: ({ token }) => (token === JWT ? 'user' : undefined) });
    const page = await browser.page();
    await startClient(page, { url: srv.url, auth: { token: JWT, via: 'protocol' } });
    const opened = await until(page, (r) => r.states.some((s) => s.status === 'open'), 'open');
    // The server selected the application subprotocol, never the token's entry.
    expect(opened.states.find((s) => s.status === 'open')).toMatchObject({ protocol: 'rxwire' });
    expect(srv.upgrades).toEqual([{ token: JWT, url: '/live', protocols: `rxwire, bearer.${JWT}`, origin: browser.rig().origin }]);

    await srv.subscriptions(1);
    for (const temperature of [181, 182, 183]) await srv.publish(temperature);
    const live = await until(page, (r) => r.temperatures.length >= 3, 'three live messages');
    expect(live.temperatures).toEqual([181, 182, 183]);

    const reply = await page.evaluate(() => window.rxwirePage.request('oven-1', 180));
    expect(reply).toEqual({ ok: true, target: 180 });
    const after = await until(page, () => true, 'the record');
    expect(after.errors).toEqual([]);
    expect(after.states.map((s) => s.status)).toEqual(['closed', 'connecting', 'open']);
  });

  it("sends the token as a query parameter (via: 'query'), any characters URL-encoded, and works the same", async () => {
    const token = 'a/b+c= d';
    const srv = await browser.server({ authenticate: ({ token: given }) => (given === token ? 'user' : undefined) });
    const page = await browser.page();
    await startClient(page, { url: srv.url, auth: { token, via: 'query' } });
    await until(page, (r) => r.states.some((s) => s.status === 'open'), 'open');
    // No subprotocol offered at all: the token travels in the URL alone.
    expect(srv.upgrades).toEqual([{ token, url: '/live?token=a%2Fb%2Bc%3D%20d', protocols: undefined, origin: browser.rig().origin }]);

    await srv.subscriptions(1);
    await srv.publish(170);
    await srv.publish(171);
    expect((await until(page, (r) => r.temperatures.length >= 2, 'two live messages')).temperatures).toEqual([170, 171]);
    expect(await page.evaluate(() => window.rxwirePage.request('oven-1', 175))).toEqual({ ok: true, target: 175 });
  });
});
