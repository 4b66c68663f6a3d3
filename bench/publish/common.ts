/** What the publish benchmark's processes share: the protocol, the message, the pacing of the publishing loop. */
import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

/** Wall-clock ms with sub-ms resolution, the same in every process of the host. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** `feed` by stream number `s`; each message is about 100 bytes of JSON, validated by `t.type`. */
export const publishProtocol = defineProtocol({
  channels: {
    feed: {
      params: t.type({ s: t.number }),
      message: t.type({ n: t.number, t: t.number, device: t.string, temperature: t.number, humidity: t.number }),
    },
  },
});

/** Message `n` (warm-up messages have `n` = -1). */
export const messageOf = (n: number) => ({ n, t: wallClock(), device: `device-${String(n & 1023).padStart(4, '0')}`, temperature: 21.5 + (n % 7), humidity: 40.25 });

/** The publishing loop yields to I/O (one `setImmediate`) after this many messages, whatever the server. */
export const YIELD_EVERY = 100;
