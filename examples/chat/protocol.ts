import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

/** A chat message, as the server numbered and stamped it. */
export const ChatMessage = t.type({
  kind: t.literal('message'),
  /** The server's id of the message, unique for ever. */
  id: t.string,
  /** The id the sender's client chose, the same on every retry of one send. */
  clientId: t.string,
  user: t.string,
  text: t.string,
  /** When the server accepted it, in milliseconds since the epoch. */
  at: t.number,
});
/** A chat message. */
export type ChatMessage = t.TypeOf<typeof ChatMessage>;

/**
 * Someone came online in a room (their first connection joined) or went offline (their
 * last connection left or dropped). `online` is everyone online after the change;
 * `version` orders snapshots, so a late one never overwrites a newer one.
 */
export const PresenceChange = t.type({
  kind: t.keyof({ joined: null, left: null }),
  user: t.string,
  online: t.array(t.string),
  version: t.number,
});
/** A presence change. */
export type PresenceChange = t.TypeOf<typeof PresenceChange>;

/** Everything a room's channel carries, in the order the server published it. */
export const RoomEvent = t.union([ChatMessage, PresenceChange]);
/** One entry of a room's timeline. */
export type RoomEvent = t.TypeOf<typeof RoomEvent>;

/** Who is online in a room, as of `version` (the answer to `join`). */
export const PresenceSnapshot = t.type({ online: t.array(t.string), version: t.number });
/** Who is online in a room. */
export type PresenceSnapshot = t.TypeOf<typeof PresenceSnapshot>;

/** The server's acknowledgement of a message: its id, and whether it had been accepted already. */
export const SayAck = t.type({ id: t.string, clientId: t.string, duplicate: t.boolean });
/** The acknowledgement of a message. */
export type SayAck = t.TypeOf<typeof SayAck>;

const Room = t.type({ room: t.string });
const Ok = t.type({ ok: t.boolean });

/**
 * The chat's protocol, shared by its server and its clients. Messages and presence go
 * on the `room` channel, so a client that reconnects recovers what it missed; typing
 * notices are `typing` events, which are never stored or replayed (they are stale a few
 * seconds later, and would push real messages out of the recovery history).
 */
export const chat = defineProtocol({
  channels: { room: { params: Room, message: RoomEvent } },
  events: { typing: t.type({ room: t.string, user: t.string }) },
  requests: {
    join: { request: Room, response: PresenceSnapshot },
    leave: { request: Room, response: Ok },
    say: { request: t.type({ room: t.string, clientId: t.string, text: t.string }), response: SayAck },
    typing: { request: Room, response: Ok },
  },
});

/** The chat protocol's type. */
export type Chat = typeof chat;
