import type { Redis } from 'ioredis';
import type { Replay, StreamPosition } from '../server/brokers/types';
import { deliver, forEachListener, type Listening } from './listening';

/** What a recovery needs of the broker's subscriptions. */
export interface Recovering {
  readonly listeners: ReadonlyMap<string, Listening>;
  readonly subscriber: Redis;
  readonly closed: boolean;
  /** Whether subscriber link `current` has been replaced by a newer one. */
  superseded(current: number): boolean;
  channel(stream: string): string;
  read(stream: string, since: StreamPosition | undefined): Promise<Replay>;
  report(error: unknown): void;
}

/**
 * The subscriber connection came back (after Redis restarted, or after Redis closed it
 * alone): resubscribes every stream, then replays for each what its listeners missed,
 * then what arrived meanwhile, each message once and in order.
 */
export async function recover(subscriptions: Recovering, current: number): Promise<void> {
  const entries = [...subscriptions.listeners];
  if (entries.length === 0) return;
  for (const [, entry] of entries) entry.held ??= [];
  try {
    await subscriptions.subscriber.subscribe(...entries.map(([stream]) => subscriptions.channel(stream)));
  } catch (error) {
    // The link dropped again: its next 'ready' starts over, keeping what is held.
    return subscriptions.report(error);
  }
  await Promise.all(entries.map(([stream, entry]) => recoverStream(subscriptions, current, stream, entry)));
}

/** Replays one stream once Redis answers commands, unless the link or the stream's listeners changed meanwhile. */
async function recoverStream(subscriptions: Recovering, current: number, stream: string, entry: Listening): Promise<void> {
  const { listeners, subscriber, report } = subscriptions;
  for (let attempt = 0; ; attempt++) {
    if (subscriptions.superseded(current) || subscriptions.closed) return;
    if (listeners.get(stream) !== entry) {
      if (!listeners.has(stream)) subscriber.unsubscribe(subscriptions.channel(stream)).catch(() => undefined);
      return;
    }
    try {
      const replay = await subscriptions.read(stream, entry.position);
      if (subscriptions.superseded(current) || listeners.get(stream) !== entry) continue;
      return resume(entry, replay, report);
    } catch (error) {
      // Redis is not answering commands yet: try again, held messages wait.
      report(error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)).unref());
    }
  }
}

/** Tells the listeners of a loss, delivers the replay, then the held messages it did not already hold. */
function resume(entry: Listening, replay: Replay, report: (error: unknown) => void): void {
  const held = entry.held ?? [];
  entry.held = undefined;
  const { lost } = replay;
  if (lost) forEachListener(entry, (listener) => listener.lost?.(lost), report);
  for (const message of replay.messages) deliver(entry, message, report);
  entry.position = { epoch: replay.epoch, offset: replay.offset };
  for (const message of held) if (message.epoch !== replay.epoch || message.offset > replay.offset) deliver(entry, message, report);
}
