import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos';

describe('chaos (short form; `npm run chaos` runs the long one)', () => {
  it('loses and duplicates nothing under random faults, and detects every half-open connection', async () => {
    const heartbeat = { interval: 100, timeout: 100 };
    const figures = await runChaos({ clients: 6, channels: 100, faults: 240, timeLimitMs: 40_000, historySize: 200, heartbeat });
    console.log('chaos (short):', JSON.stringify(figures));
    expect(figures.faultsTotal).toBe(240);
    expect(figures.published).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(figures.undetectedHalfOpens).toBe(0);
    // Within interval + timeout, plus the measured event-loop lag of this one process
    // running the server, the publisher, six clients and six proxies at full tilt.
    expect(figures.halfOpens).toBeGreaterThan(0);
    expect(figures.worstDetectionMs).toBeLessThanOrEqual(heartbeat.interval + heartbeat.timeout + figures.maxEventLoopLagMs + 50);
  }, 60_000);
});
