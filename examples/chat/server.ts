import { randomUUID } from 'node:crypto';
import { createServer, RequestError } from '../../src/server/index';
import type { Broker, ConnectionInfo, Server } from '../../src/server/index';
import { chat, type Chat, type PresenceSnapshot, type SayAck } from './protocol';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Where messages and their recovery history live; the server's own memory by default. */
  broker?: Broker;
  /** How many acknowledged (user, clientId) pairs are remembered to refuse duplicates. Default 10000. */
  dedupeSize?: number;
}

/** A running chat server. */
export interface ChatServer {
  /** The rxwire server. */
  readonly server: Server<Chat, string>;
  /** The URL clients connect to. */
  readonly url: string;
  /** Stops the server, closing every connection with 1001. */
  close(): Promise<void>;
}

/** User and room names. Here the token is the user name; a real server would verify a signed token. */
const NAME = /^[\w.-]{1,32}$/;
const MAX_TEXT = 2000;

/**
 * The chat server. The token is the user name. Membership is per connection: a user
 * is online in a room while at least one of their connections is in it, so `joined` is
 * published for their first connection and `left` when the last one leaves or drops.
 * A message is published once per (room, user, clientId): a retried send is acknowledged
 * again with the same id and `duplicate: true`.
 */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const { port = 0, broker, dedupeSize = 10_000 } = options;
  const server = await createServer<Chat, string>({
    protocol: chat,
    port,
    broker,
    authenticate: ({ token }) => (token !== undefined && NAME.test(token) ? token : undefined),
  });

  /** room -> (connection id -> user) */
  const rooms = new Map<string, Map<string, string>>();
  /** The latest presence version of each room, from one counter so versions only grow. */
  const versions = new Map<string, number>();
  let version = Date.now() * 1000; // above every version an earlier run of the server handed out
  /**
   * (room, user, clientId) -> the acknowledgement, in order of arrival so the oldest go first.
   * Kept in this process: servers sharing a broker would keep it in the broker's store instead.
   */
  const acks = new Map<string, Promise<SayAck>>();

  const membersOf = (room: string) => rooms.get(room) ?? new Map<string, string>();
  const online = (room: string) => [...new Set(membersOf(room).values())].sort();
  const snapshot = (room: string): PresenceSnapshot => ({ online: online(room), version: versions.get(room) ?? 0 });
  const report = (error: unknown) => console.error('chat server:', error);

  const publishPresence = (room: string, kind: 'joined' | 'left', user: string): void => {
    versions.set(room, ++version);
    void server.publish('room', { room }, { kind, user, ...snapshot(room) }).catch(report);
    if (!rooms.has(room)) versions.delete(room); // empty: the next join starts from a newer version anyway
  };
  const join = (room: string, connection: ConnectionInfo<string>): void => {
    const members = membersOf(room);
    if (members.has(connection.id)) return;
    const wasOnline = online(room).includes(connection.principal);
    rooms.set(room, members.set(connection.id, connection.principal));
    if (!wasOnline) publishPresence(room, 'joined', connection.principal);
  };
  const leave = (room: string, connection: ConnectionInfo<string>): void => {
    const members = rooms.get(room);
    if (!members?.delete(connection.id)) return;
    if (members.size === 0) rooms.delete(room);
    if (!online(room).includes(connection.principal)) publishPresence(room, 'left', connection.principal);
  };
  const member = (room: string, connection: ConnectionInfo<string>): void => {
    if (!membersOf(room).has(connection.id)) throw new RequestError('NOT_JOINED', `join "${room}" first`);
  };

  server.handle('join', ({ room }, { connection }) => {
    if (!NAME.test(room)) throw new RequestError('INVALID_ROOM', 'room names are 1 to 32 letters, digits, ".", "-" or "_"');
    join(room, connection);
    return snapshot(room);
  });
  server.handle('leave', ({ room }, { connection }) => {
    leave(room, connection);
    return { ok: true };
  });
  server.handle('say', ({ room, clientId, text }, { connection }) => {
    member(room, connection);
    const user = connection.principal;
    const key = JSON.stringify([room, user, clientId]);
    const seen = acks.get(key);
    if (seen) return seen.then((ack) => ({ ...ack, duplicate: true }));
    if (text.trim() === '' || text.length > MAX_TEXT) throw new RequestError('INVALID_TEXT', `a message has 1 to ${MAX_TEXT} characters`);
    const id = randomUUID();
    // Remembered before publishing, so a retry arriving meanwhile is answered as a duplicate.
    const ack = server.publish('room', { room }, { kind: 'message', id, clientId, user, text, at: Date.now() }).then(() => ({ id, clientId, duplicate: false }));
    acks.set(key, ack);
    ack.catch(() => acks.delete(key)); // never published: a retry may try again
    if (acks.size > dedupeSize) acks.delete(acks.keys().next().value!);
    return ack;
  });
  server.handle('typing', ({ room }, { connection }) => {
    member(room, connection);
    const user = connection.principal;
    const members = membersOf(room);
    server.emit('typing', { room, user }, (c) => members.has(c.id) && c.principal !== user);
    return { ok: true };
  });

  // A connection that drops leaves every room it was in.
  const disconnects = server.connections$.subscribe((event) => {
    if (event.type !== 'disconnected') return;
    for (const room of [...rooms.keys()]) leave(room, event.connection);
  });

  return {
    server,
    url: `ws://127.0.0.1:${server.port}`,
    async close() {
      disconnects.unsubscribe();
      await server.close();
    },
  };
}
