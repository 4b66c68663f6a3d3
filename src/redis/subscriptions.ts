import type { Redis } from 'ioredis';
import type { BrokerMessage, Loss, Replay, StreamPosition } from '../server/brokers/types';
import { deliver, parsePayload, type Listener, type Listening } from './listening';
import { recover, type Recovering } from './recovery';

/**
 * This process's pub/sub subscriptions, one per stream shared by its listeners: routes
 * each pub/sub message to them once and in order, and recovers what a lost subscriber
 * link missed when it comes back.
 */
export class Subscriptions implements Recovering {
  readonly listeners = new Map<string, Listening>();
  closed = false;
  /** Counts the subscriber link's comebacks: a recovery stops when a newer one starts. */
  private link = 0;

  constructor(
    readonly subscriber: Redis,
    private readonly channelPrefix: string,
    private readonly ready: () => Promise<void> | undefined,
    readonly read: (stream: string, since: StreamPosition | undefined) => Promise<Replay>,
    readonly report: (error: unknown) => void,
  ) {
    subscriber.on('message', (channel: string, payload: string) => this.receive(channel, payload));
    subscriber.on('ready', () => {
      const current = ++this.link;
      // On the very first connection the command connection may not be up yet, and a
      // recovery reads through it: it waits for it rather than failing and reporting.
      void Promise.resolve(this.ready()).then(
        () => recover(this, current),
        () => undefined, // Redis never answered: the first commands report that themselves
      );
    });
  }

  channel(stream: string): string {
    return this.channelPrefix + stream;
  }

  superseded(current: number): boolean {
    return current !== this.link;
  }

  async listen(stream: string, message: (message: BrokerMessage) => void, lost: ((loss: Loss) => void) | undefined): Promise<() => void> {
    const shared = this.listeners.get(stream) ?? this.subscribe(stream);
    const listener: Listener = { message, lost };
    shared.set.add(listener);
    const stop = () => {
      shared.set.delete(listener);
      if (shared.set.size === 0 && this.listeners.get(stream) === shared) {
        this.listeners.delete(stream);
        this.subscriber.unsubscribe(this.channel(stream)).catch(() => undefined);
      }
    };
    try {
      await shared.subscribed; // live from here on: no hole before the replay that follows
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  private subscribe(stream: string): Listening {
    const created: Listening = { set: new Set(), subscribed: Promise.resolve(), position: undefined, held: undefined };
    // The position is read before subscribing: a recovery may then replay a message
    // the listeners also got otherwise (servers drop it by its offset), never skip one.
    created.subscribed = (async () => {
      await this.ready();
      const at = await this.read(stream, undefined);
      created.position ??= { epoch: at.epoch, offset: at.offset };
      await this.subscriber.subscribe(this.channel(stream));
    })();
    this.listeners.set(stream, created);
    return created;
  }

  // Runs in ioredis's event handler: nothing may throw out of it (it would crash the process).
  private receive(channel: string, payload: string): void {
    const message = parsePayload(channel, payload);
    if (message instanceof Error) return this.report(message);
    const entry = this.listeners.get(channel.slice(this.channelPrefix.length));
    if (!entry) return;
    if (entry.held) return void entry.held.push(message);
    // Redis orders messages per connection only: a message a recovery already read on
    // the command connection can still arrive here after it. It is not delivered twice.
    const at = entry.position;
    if (at !== undefined && message.epoch === at.epoch && message.offset <= at.offset) return;
    deliver(entry, message, this.report);
  }
}
