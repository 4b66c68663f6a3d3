import { Broken, ensure, show } from './broken';
import { dial, describeClose, type Attempt, type Frame, type RawPeer } from './peer';
import type { ConformanceOptions } from './types';

/** The options with their defaults applied. */
export type Resolved = ConformanceOptions & { readonly timeout: number; readonly quiet: number; readonly refuseWith: 'close' | 'http' };

/** How a connection of a rule is opened, beyond the defaults. */
export interface DialOptions {
  /** The token to carry, and how; `null` for none. @defaultValue the accepted token, `tokens.via` */
  readonly token?: { readonly value: string; readonly via: 'protocol' | 'query' | 'header' } | null;
  /** Subprotocol entries offered before a `bearer.` entry. @defaultValue `['rxwire']` */
  readonly protocols?: readonly string[];
  /** Answer native pings. @defaultValue true */
  readonly autoPong?: boolean;
}

/** A position as `subscribed` states it. */
export interface Subscribed {
  readonly epoch: string;
  readonly offset: number;
}

/** What a rule's check uses: connections it opens (closed after the rule), the server's publish, helpers. */
export class Kit {
  private readonly peers: RawPeer[] = [];
  private published = 0;
  private ids = 0;

  constructor(readonly options: Resolved) {}

  /** Opens a connection as described, bounded by the timeout; the attempt as it ended. */
  async attempt(how: DialOptions = {}): Promise<Attempt> {
    const { url, tokens, timeout } = this.options;
    const token = how.token === undefined ? (tokens ? { value: tokens.accepted, via: tokens.via ?? 'protocol' } : null) : how.token;
    const protocols = [...(how.protocols ?? ['rxwire'])];
    const headers: Record<string, string> = {};
    let target = url;
    if (token?.via === 'protocol') protocols.push(`bearer.${token.value}`);
    if (token?.via === 'header') headers.Authorization = `Bearer ${token.value}`;
    if (token?.via === 'query') {
      const withToken = new URL(url);
      withToken.searchParams.set('token', token.value);
      target = withToken.toString();
    }
    const attempt = await dial({ url: target, protocols, headers, autoPong: how.autoPong ?? true, timeout });
    if (attempt.kind === 'open') this.peers.push(attempt.peer);
    return attempt;
  }

  /**
   * An accepted connection: open, and its first frame a `welcome`. Throws
   * {@link Broken} saying what happened otherwise.
   */
  async connect(how: DialOptions = {}): Promise<RawPeer & { welcome: Frame }> {
    const attempt = await this.attempt(how);
    if (attempt.kind === 'http') throw new Broken(`the upgrade was refused with HTTP ${attempt.status}`);
    if (attempt.kind === 'error') throw new Broken(`the connection failed: ${attempt.message}`);
    const { peer } = attempt;
    let first: Frame;
    try {
      first = await peer.next('a welcome frame', this.options.timeout);
    } catch (error) {
      throw peer.closedWith ? new Broken(`no welcome: the connection closed with ${describeClose(peer.closedWith)}`) : error;
    }
    ensure(first.type === 'welcome', `the first frame is not a welcome: ${show(first)}`);
    return Object.assign(peer, { welcome: first });
  }

  /** A subscription id not used before in this run. */
  id(): string {
    return `c${++this.ids}`;
  }

  /** Makes the server publish the next message of the channel; resolves with its data. */
  async publish(): Promise<unknown> {
    const { channel, publish, timeout } = this.options;
    const data = channel.message(++this.published);
    await within(Promise.resolve(publish(channel.name, channel.params, data)), timeout, 'publish');
    return data;
  }

  /** Sends a `sub` and awaits its `subscribed`; throws {@link Broken} on anything else. */
  async subscribe(peer: RawPeer, id: string, extra: { params?: unknown; since?: unknown } = {}): Promise<Subscribed> {
    const { channel } = this.options;
    const params = 'params' in extra ? extra.params : channel.params;
    peer.send(extra.since === undefined ? { type: 'sub', id, channel: channel.name, params } : { type: 'sub', id, channel: channel.name, params, since: extra.since });
    const answer = await this.nextFor(peer, id, `"subscribed" for sub "${id}"`);
    ensure(answer.type === 'subscribed', `sub "${id}" was answered with ${show(answer)}, not "subscribed"`);
    return position(answer, `"subscribed" of "${id}"`);
  }

  /** The next frame carrying `id` (frames of other ids stay queued). */
  nextFor(peer: RawPeer, id: string, what: string): Promise<Frame> {
    return peer.take((frame) => frame.id === id, what, this.options.timeout);
  }

  /** Sends a frame, then expects the connection to close with `code`. */
  async expectClose(peer: RawPeer, frame: unknown, code: number): Promise<void> {
    peer.send(frame);
    const closed = await peer.closed(`a close with ${code}`, this.options.timeout);
    ensure(closed.code === code, `closed with ${describeClose(closed)}, not ${code}`);
  }

  /** The connection is still up and answering: a `ping` gets its `pong`. */
  async stillUp(peer: RawPeer): Promise<void> {
    peer.send({ type: 'ping' });
    await peer.take((frame) => frame.type === 'pong', 'a pong: the connection should stay up', this.options.timeout);
  }

  /** Closes every connection the rule opened. */
  release(): void {
    for (const peer of this.peers.splice(0)) peer.terminate();
  }
}

/** The epoch and offset of a frame, checked: an epoch string and an integer offset >= 0. */
export function position(frame: Frame, what: string): Subscribed {
  const { epoch, offset } = frame;
  ensure(typeof epoch === 'string' && epoch.length > 0, `${what} has no epoch string: ${show(frame)}`);
  ensure(typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0, `${what} has no integer offset >= 0: ${show(frame)}`);
  return { epoch, offset };
}

/** `promise`, or {@link Broken} after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Broken(`${what} did not finish within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
