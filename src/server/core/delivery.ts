import type { BrokerMessage, Loss } from '../brokers/types';
import type { SharedText } from './transport';

/** Where a peer is in the stream of one of its subscriptions. */
export interface Cursor {
  /** The epoch of the last message sent (or of the stream when subscribed). */
  epoch: string;
  /** The offset of the last message sent, or the position the peer said it had seen. */
  lastSent: number;
}

/** Sends one frame to the peer. */
export type Send = (frame: string | SharedText) => void;

/**
 * Where a subscription's frames go: the peer's connection itself, called as a method
 * (a delivery goes through no closure made per subscription).
 */
export interface Sink {
  send(frame: string | SharedText): void;
}

// Each message is serialized once, and made into a frame once per subscription id,
// however many subscribers it goes to (clients usually choose the same ids: "1", "2",
// ...); a WebSocket transport also frames that text once (SharedText.frame). The texts of
// the last RECENT messages are kept, by identity, in a ring searched newest first: a
// fan-out calls every listener with one message in turn (found in the first slot), and a
// replay reads recent messages again. A ring, not a Map: a Map's insertion, deletion and
// iterator per message cost more than a few comparisons, and a WeakMap more still (every
// entry is an ephemeron the garbage collector must trace).
const RECENT = 32;

/** A message's serialized data and its frames: the first id's inline (the usual case), others in a Map. */
interface Encoded {
  readonly data: string;
  id: string | undefined;
  frame: SharedText | undefined;
  others: Map<string, SharedText> | undefined;
}

// The messages of the ring in their own array, beside their texts: a search compares the
// references it holds (two cache lines) without reaching into 32 objects, one per stream.
const recentMessages: Array<BrokerMessage | undefined> = new Array<BrokerMessage | undefined>(RECENT).fill(undefined);
const recent: Array<Encoded | undefined> = new Array<Encoded | undefined>(RECENT).fill(undefined);
/** The slot of the newest entry. */
let newest = 0;

function encodedOf(message: BrokerMessage): Encoded {
  for (let i = 0, slot = newest; i < RECENT; i++, slot = slot === 0 ? RECENT - 1 : slot - 1) {
    const kept = recentMessages[slot];
    if (kept === message) return recent[slot]!;
    if (kept === undefined) break; // the ring is not full yet: nothing older
  }
  newest = newest === RECENT - 1 ? 0 : newest + 1;
  const cache: Encoded = { data: JSON.stringify(message.data) ?? 'null', id: undefined, frame: undefined, others: undefined };
  recentMessages[newest] = message;
  recent[newest] = cache;
  return cache;
}

/** The JSON of the last subscription id seen (ids repeat: "1", "2", ...). */
let lastId = '';
let lastIdJson = '""';
const idJson = (id: string): string => (id === lastId ? lastIdJson : ((lastId = id), (lastIdJson = JSON.stringify(id))));

/** The `msg` frame of `message` for subscription `id`, shared by every peer that gets it. */
export function msgFrame(message: BrokerMessage, id: string): SharedText {
  const cache = encodedOf(message);
  if (cache.id === id) return cache.frame!;
  let frame = cache.others?.get(id);
  if (frame === undefined) {
    // `frame` is there from the start, so that every shared text has one shape.
    frame = { text: `{"type":"msg","id":${idJson(id)},"offset":${message.offset},"data":${cache.data}}`, frame: undefined };
    if (cache.id === undefined) {
      cache.id = id;
      cache.frame = frame;
    } else {
      (cache.others ??= new Map()).set(id, frame);
    }
  }
  return frame;
}

/** The first message of a new epoch that follows the last one without a loss: it says its epoch. */
function firstOfEpochFrame(message: BrokerMessage, id: string): string {
  return `{"type":"msg","id":${JSON.stringify(id)},"epoch":${JSON.stringify(message.epoch)},"offset":${message.offset},"data":${JSON.stringify(message.data) ?? 'null'}}`;
}

/** Sends a message of subscription `id` unless the peer had it, after a gap for any hole before it. */
export function deliver(to: Sink, id: string, cursor: Cursor, message: BrokerMessage): void {
  if (message.epoch === cursor.epoch) {
    if (message.offset <= cursor.lastSent) return; // a replay overlap
    const from = cursor.lastSent + 1;
    // Brokers announce their losses; a hole they did not is still one: never skip it silently.
    if (message.offset > from) gap(to, id, cursor, { epoch: message.epoch, from, to: message.offset - 1, count: message.offset - from });
    cursor.lastSent = message.offset;
    return to.send(msgFrame(message, id));
  }
  // A new epoch without a loss announced: the broker delivered all of the previous one.
  if (message.offset > 1) {
    gap(to, id, cursor, { epoch: message.epoch, from: 1, to: message.offset - 1, count: message.offset - 1 });
    cursor.lastSent = message.offset;
    return to.send(msgFrame(message, id));
  }
  cursor.epoch = message.epoch;
  cursor.lastSent = message.offset;
  to.send(firstOfEpochFrame(message, id));
}

/** The broker lost messages of a live subscription: tells the peer what it will not get. */
export function lose(to: Sink, id: string, cursor: Cursor, loss: Loss): void {
  if (loss.epoch !== cursor.epoch) return gap(to, id, cursor, loss);
  // In the epoch the peer is in already: only what it has not had counts.
  const from = Math.max(loss.from ?? 1, cursor.lastSent + 1);
  if (loss.to === undefined || loss.to < from) return;
  gap(to, id, cursor, { epoch: loss.epoch, from, to: loss.to, count: loss.to - from + 1 });
}

/** Sends a `gap`: after it, the subscription is at the end of the loss in its epoch. */
export function gap(to: Sink, id: string, cursor: Cursor, loss: Loss): void {
  cursor.epoch = loss.epoch;
  cursor.lastSent = loss.to ?? 0;
  const range = loss.from !== undefined && loss.to !== undefined ? { from: loss.from, to: loss.to } : {};
  to.send(JSON.stringify({ type: 'gap', id, epoch: loss.epoch, ...range, ...(loss.count === undefined ? {} : { lost: loss.count }) }));
}
