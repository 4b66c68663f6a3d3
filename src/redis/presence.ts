import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { KeyOf } from './scripts';

/**
 * Presence shared by every process: a sorted set per stream of `<process> <member>`
 * scored by expiry. This process refreshes its own members every third of the TTL, so
 * a process that dies disappears within it.
 */
export class Presence {
  private readonly processId = randomUUID();
  /** This process's presence, refreshed while alive. */
  private readonly mine = new Map<string, Set<string>>();
  private readonly refresh: ReturnType<typeof setInterval>;

  constructor(
    private readonly commands: Redis,
    private readonly key: KeyOf,
    private readonly ttl: number,
    private readonly ready: () => Promise<void> | undefined,
  ) {
    this.refresh = setInterval(() => {
      for (const [stream, members] of this.mine) {
        for (const member of members) this.present(stream, member).catch(() => undefined);
      }
    }, ttl / 3);
    this.refresh.unref();
  }

  async join(stream: string, member: string): Promise<void> {
    let set = this.mine.get(stream);
    if (!set) this.mine.set(stream, (set = new Set()));
    set.add(member);
    await this.ready();
    await this.present(stream, member);
  }

  async leave(stream: string, member: string): Promise<void> {
    this.mine.get(stream)?.delete(member);
    if (this.mine.get(stream)?.size === 0) this.mine.delete(stream);
    await this.ready();
    await this.commands.zrem(this.key('m', stream), this.stamp(member));
  }

  async members(stream: string): Promise<string[]> {
    await this.ready();
    const now = Date.now();
    await this.commands.zremrangebyscore(this.key('m', stream), '-inf', now);
    const stamped = await this.commands.zrangebyscore(this.key('m', stream), now, '+inf');
    return stamped.map((entry) => entry.slice(entry.indexOf(' ') + 1));
  }

  /** Stops refreshing, and leaves at once rather than waiting for the TTL. */
  async close(): Promise<void> {
    clearInterval(this.refresh);
    const { commands, key } = this;
    await Promise.allSettled([...this.mine].flatMap(([stream, members]) => [...members].map((m) => commands.zrem(key('m', stream), this.stamp(m)))));
    this.mine.clear();
  }

  private stamp(member: string): string {
    return `${this.processId} ${member}`;
  }

  private present(stream: string, member: string) {
    return this.commands.multi().zadd(this.key('m', stream), Date.now() + this.ttl, this.stamp(member)).pexpire(this.key('m', stream), this.ttl).exec();
  }
}
