/** What the fan-out benchmark's servers and clients share: one channel and one clock. */
import * as t from 'io-ts';
import { defineProtocol } from '../src/index';

/** `feed` with no params: `n` numbers the measured messages from 0 (warm-ups are -1), `t` is when it was published. */
export const fanoutProtocol = defineProtocol({
  channels: { feed: { params: t.type({}), message: t.type({ n: t.number, t: t.number }) } },
});

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process on the host
 * reads the same clock this way (checked: processes agree within microseconds), so a
 * time stamped by the publisher can be subtracted from one read by a client process.
 */
export const wallClock = (): number => performance.timeOrigin + performance.now();
