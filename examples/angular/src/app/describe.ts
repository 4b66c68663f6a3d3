import { RemoteError, RequestTimeoutError, SubscriptionError, type ConnectionState, type GapNotice } from 'rxwire';

/** The connection indicator's words for a state. */
export function describeConnection(state: ConnectionState): string {
  switch (state.status) {
    case 'connecting':
      return state.attempt === 0 ? 'connecting…' : `connecting (attempt ${state.attempt})…`;
    case 'open':
      return 'online';
    case 'reconnecting':
      return `reconnecting: attempt ${state.attempt} in ${(state.delay / 1000).toFixed(1)} s`;
    case 'closed':
      return state.final && state.code !== 1000 ? `offline (${state.code}${state.reason ? `: ${state.reason}` : ''})` : 'offline';
  }
}

/** What a failed request or channel tells the user. */
export function describeError(error: unknown): string {
  if (error instanceof RemoteError) {
    const range = error.data as { min: number; max: number } | undefined;
    return `${error.code}: ${error.serverMessage}${range ? ` (from ${range.min} to ${range.max})` : ''}`;
  }
  if (error instanceof SubscriptionError) return `${error.code}: ${error.serverMessage}`;
  if (error instanceof RequestTimeoutError) return 'no reply in time; try again';
  return error instanceof Error ? error.message : String(error);
}

/** The gap notice's words for the notices since the last dismissal. */
export function describeGaps(gaps: readonly GapNotice[]): string {
  const devices = [...new Set(gaps.map((gap) => (gap.params as { id: string }).id))].join(', ');
  const known = gaps.every((gap) => gap.lost !== undefined);
  const lost = gaps.reduce((sum, gap) => sum + (gap.lost ?? 0), 0);
  const what = known ? `${lost} update${lost === 1 ? '' : 's'}` : 'Some updates';
  return `${what} of ${devices} could not be recovered after the reconnect: the tiles show the latest state.`;
}
