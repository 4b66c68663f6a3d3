import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/server';
import { hasChromium, sleep, snapshot, startClient, statuses, until, useBrowser } from './support';

// Retries come fast here, so that a retry loop that should not exist shows within the wait.
const FAST = { initialDelay: 20, maxDelay: 50 };

describe.skipIf(!hasChromium)('authentication failures in Chromium', () => {
  const browser = useBrowser();

  it('refreshes a stale token after 4401: the token function is asked again with refresh: true, and the client opens', async () => {
    const srv = await browser.server({ authenticate: ({ token }) => (token === 'fresh' ? 'user' : undefined) });
    const page = await browser.page();
    // The token function serves its cached (stale) token unless told to refresh.
    await startClient(page, { url: srv.url, auth: { token: 'stale', refreshed: 'fresh' }, reconnect: FAST });
    const r = await until(page, (rec) => rec.states.some((s) => s.status === 'open'), 'open');
    expect(r.tokens).toEqual([
      { attempt: 0, refresh: false },
      { attempt: 1, refresh: true },
    ]);
    expect(srv.upgrades.map((u) => u.token)).toEqual(['stale', 'fresh']);
    // The refused attempt is retried at once, not after a backoff.
    expect(r.states.find((s) => s.status === 'reconnecting')).toMatchObject({ attempt: 1, delay: 0, code: 4401 });
    // Never open before the server's acceptance: the refused socket did open, and was closed with 4401.
    expect(statuses(r)).toEqual(['closed', 'connecting', 'reconnecting', 'connecting', 'open']);
    expect(r.errors.map((e) => [e.kind, e.code])).toEqual([['CONNECTION_CLOSED', 4401]]);

    await srv.subscriptions(1);
    await srv.publish(180);
    expect((await until(page, (rec) => rec.temperatures.length > 0, 'a message')).temperatures).toEqual([180]);
  });

  it('stops for good on 4403 (ForbiddenError): closed, final, one attempt only', async () => {
    const srv = await browser.server({
      authenticate: () => {
        throw new ForbiddenError('banned');
      },
    });
    const page = await browser.page();
    await startClient(page, { url: srv.url, auth: { token: 'banned-user' }, reconnect: FAST });
    await until(page, (r) => r.states.at(-1)?.status === 'closed' && r.states.length > 1, 'the final close');
    await sleep(500); // many retry delays: any retry would have shown by now
    const r = await snapshot(page);
    expect(r.states.at(-1)).toMatchObject({ status: 'closed', code: 4403, final: true });
    expect(statuses(r)).toEqual(['closed', 'connecting', 'closed']);
    expect(r.channelError).toMatchObject({ kind: 'CONNECTION_CLOSED', code: 4403 });
    expect(r.tokens).toHaveLength(1);
    expect(srv.upgrades).toHaveLength(1);
  });

  it('fails at once with InvalidOptionsError, the browser saying why, for a token that is not a valid subprotocol, and never retries', async () => {
    const srv = await browser.server();
    const page = await browser.page();
    // '/' and '=' are not allowed in a Sec-WebSocket-Protocol entry: the WebSocket constructor throws.
    await startClient(page, { url: srv.url, auth: { token: 'a/b+c=', via: 'protocol' }, reconnect: FAST });
    await until(page, (r) => r.states.at(-1)?.status === 'closed' && r.states.length > 1, 'the final close');
    await sleep(500);
    const r = await snapshot(page);
    const last = r.states.at(-1)!;
    expect(last).toMatchObject({ status: 'closed', final: true, error: { name: 'InvalidOptionsError', kind: 'INVALID_OPTIONS' } });
    // Chromium's own words, passed on.
    expect(last.error!.message).toContain("Failed to construct 'WebSocket': The subprotocol 'bearer.a/b+c=' is invalid");
    expect(r.channelError).toMatchObject({ name: 'InvalidOptionsError' });
    // At once: no connection attempt reached the network, none was retried.
    expect(last.at - r.states.find((s) => s.status === 'connecting')!.at).toBeLessThan(100);
    expect(statuses(r)).toEqual(['closed', 'connecting', 'closed']);
    expect(r.tokens).toHaveLength(1);
    expect(srv.upgrades).toEqual([]);
  });
});
