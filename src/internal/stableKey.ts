/**
 * A string that is equal for equal JSON values, whatever the order of their keys:
 * the identity of a channel's params.
 */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? 'undefined';
}

/**
 * The identity of one stream, (channel, params), as client and server both key it:
 * the channel's name and the stable key of its params, apart by a NUL (no name has one).
 */
export function channelKey(channel: string, params: unknown): string {
  return `${channel}\u0000${stableKey(params)}`;
}
