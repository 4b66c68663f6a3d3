/**
 * A token bucket: at most `messages` at once, refilled continuously at `messages` per
 * `interval` milliseconds. Time comes from `now` (the core's scheduler), so a test can
 * hold it still or move it.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly rate: { readonly messages: number; readonly interval: number },
    private readonly now: () => number,
  ) {
    this.tokens = rate.messages;
    this.refilledAt = now();
  }

  /** Takes `count` tokens if there are as many: whether the frame is allowed. */
  take(count = 1): boolean {
    const { messages, interval } = this.rate;
    const now = this.now();
    this.tokens = Math.min(messages, this.tokens + ((now - this.refilledAt) / interval) * messages);
    this.refilledAt = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}
