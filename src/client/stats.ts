import { Tally } from '../internal/tally';
import type { ClientStats } from './types';

/** The counters of a client: its stats but the two gauges read from its parts. */
export type ClientCounts = { -readonly [K in Exclude<keyof ClientStats, 'channels' | 'pendingRequests'>]: ClientStats[K] };

/** A client's counters, all at zero. */
export function clientTally(): Tally<ClientCounts> {
  return new Tally<ClientCounts>({
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    decodeErrors: 0,
    dropped: 0,
    queued: 0,
    duplicates: 0,
    gaps: 0,
    lateReplies: 0,
    reconnects: 0,
    roundTripTime: undefined,
  });
}
