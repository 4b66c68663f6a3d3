import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TestScheduler } from 'rxjs/testing';
import type { Observable, Subscription } from 'rxjs';
import { createChatClient, joinRoom, newerPresence, throttleTyping, typingUsers, type ChatClient, type JoinRoomOptions } from '../../examples/chat/client';
import type { ChatMessage, PresenceSnapshot, SayAck } from '../../examples/chat/protocol';
import { startChatServer, type ChatServer } from '../../examples/chat/server';
import { waitFor } from '../support/wsServer';

const servers: ChatServer[] = [];
const clients: ChatClient[] = [];
const subscriptions: Subscription[] = [];

afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function start(): Promise<ChatServer> {
  const server = await startChatServer();
  servers.push(server);
  return server;
}

/** Everything `source` emits, from now on. */
function record<T>(source: Observable<T>): T[] {
  const seen: T[] = [];
  subscriptions.push(source.subscribe((value) => seen.push(value)));
  return seen;
}
const last = <T>(values: T[]): T | undefined => values[values.length - 1];

/** Connects `user`, joins the lobby, and resolves once the server confirmed the join. */
async function member(server: ChatServer, user: string, options: { WebSocketCtor?: unknown; room?: JoinRoomOptions } = {}) {
  const client = createChatClient(server.url, user, {
    WebSocketCtor: (options.WebSocketCtor ?? WebSocket) as never,
    reconnect: { initialDelay: 20, maxDelay: 100 },
  });
  clients.push(client);
  let ids = 0;
  const room = joinRoom(client, 'lobby', { newId: () => `${user}-${++ids}`, ...options.room });
  const seen = {
    client,
    room,
    joined: record(room.joined$),
    messages: record(room.messages$),
    timeline: record(room.timeline$),
    presence: record(room.presence$),
    typing: record(room.typing$),
  };
  await waitFor(() => last(seen.joined) === true, 5000, `${user} to join`);
  return seen;
}

/** Resolves with the acknowledgement of `ack$`, within the bound of `waitFor`. */
async function acked(ack$: Observable<SayAck>, what: string): Promise<SayAck> {
  const acks = record(ack$);
  await waitFor(() => acks.length > 0, 5000, what);
  return acks[0]!;
}

const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);

/**
 * A `ws` WebSocket that cuts its connection (as the network would, without a close
 * frame) instead of delivering the first inbound frame `cut` matches.
 */
function cuttingOn(cut: (frame: string) => boolean) {
  const state = { cuts: 0 };
  class Cutting extends WebSocket {
    override emit(event: string | symbol, ...args: any[]): boolean {
      if (event === 'message' && state.cuts === 0 && cut(String(args[0]))) {
        state.cuts += 1;
        this.terminate();
        return false;
      }
      return super.emit(event, ...args);
    }
  }
  return { Ctor: Cutting, state };
}

describe('the chat example, over real sockets', () => {
  it("delivers a message to the other member exactly once, with its sender's client id", async () => {
    const server = await start();
    const alice = await member(server, 'alice');
    const bob = await member(server, 'bob');

    const ack = await acked(alice.room.say('hello bob'), 'the acknowledgement');
    expect(ack).toEqual({ id: expect.any(String), clientId: 'alice-1', duplicate: false });
    await acked(alice.room.say('still there?'), 'the second acknowledgement');

    // The channel keeps order: a duplicate of the first would come before the second.
    await waitFor(() => bob.messages.length === 2, 5000, 'both messages at bob');
    expect(bob.messages[0]).toEqual({ kind: 'message', id: ack.id, clientId: 'alice-1', user: 'alice', text: 'hello bob', at: expect.any(Number) });
    expect(texts(bob.messages)).toEqual(['hello bob', 'still there?']);
    await waitFor(() => alice.messages.length === 2, 5000, 'alice to see her own messages');
    expect(alice.messages.map((m) => m.clientId)).toEqual(['alice-1', 'alice-2']);
  });

  it('shows who is online, who joined, and who left when their last connection leaves or closes', async () => {
    const server = await start();
    const alice = await member(server, 'alice');
    expect(last(alice.presence)).toEqual(['alice']);
    const bob = await member(server, 'bob');
    const bobsPhone = await member(server, 'bob');
    await waitFor(() => alice.timeline.length === 2, 5000, 'alice to see bob join');
    expect(last(alice.presence)).toEqual(['alice', 'bob']);
    expect(last(bobsPhone.presence)).toEqual(['alice', 'bob']);

    await bobsPhone.room.leave(); // bob is still online on his other connection
    bob.client.close(); // now he is not
    await waitFor(() => last(alice.presence)?.length === 1, 5000, 'alice to see bob leave');
    expect(alice.presence).toEqual([[], ['alice'], ['alice', 'bob'], ['alice']]);
    expect(alice.timeline.map((e) => (e.kind === 'message' ? e.text : `${e.kind} ${e.user}`))).toEqual(['joined alice', 'joined bob', 'left bob']);
  });

  it('sends throttled typing notices, shown on the other side until that user posts', async () => {
    const server = await start();
    const alice = await member(server, 'alice');
    const bob = await member(server, 'bob');
    const notices = record(bob.client.event('typing'));

    for (let i = 0; i < 20; i++) alice.room.typing(); // twenty keystrokes within the throttle's second
    await waitFor(() => last(bob.typing)?.length === 1, 5000, 'bob to see alice typing');
    expect(last(bob.typing)).toEqual(['alice']);
    expect(last(alice.typing)).toEqual([]); // nobody is told about their own typing

    await acked(alice.room.say('done typing'), 'the acknowledgement');
    await waitFor(() => bob.messages.length === 1, 5000, 'the message at bob');
    // The notice and the message went out on one connection, in order: none is still on its way.
    expect(notices).toEqual([{ room: 'lobby', user: 'alice' }]);
    expect(bob.typing).toEqual([[], ['alice'], []]);
  });

  it('sends a message again with the same client id when its acknowledgement was lost, and publishes it once', async () => {
    const server = await start();
    const network = cuttingOn((frame) => frame.includes('"duplicate":false'));
    const alice = await member(server, 'alice', { WebSocketCtor: network.Ctor });
    const bob = await member(server, 'bob');

    const ack = await acked(alice.room.say('did you get this?'), 'the acknowledgement of the retry');
    expect(network.state.cuts).toBe(1);
    expect(ack).toMatchObject({ clientId: 'alice-1', duplicate: true });
    await acked(alice.room.say('and this?'), 'the second acknowledgement');

    await waitFor(() => bob.messages.length === 2, 5000, 'both messages at bob');
    expect(bob.messages.map((m) => [m.id, m.clientId, m.text])).toEqual([
      [ack.id, 'alice-1', 'did you get this?'],
      [expect.any(String), 'alice-2', 'and this?'],
    ]);
    await waitFor(() => alice.messages.length === 2, 5000, 'alice to see both');
    expect(texts(alice.messages)).toEqual(['did you get this?', 'and this?']);
    expect(alice.joined).toEqual([false, true, false, true]); // joined again after the reconnect
  });
});

describe('the chat example, in virtual time', () => {
  const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('throttles typing notices on the sender: the first at once, then none for a second', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      // A keystroke every 300 ms for 2.1 s.
      const keystrokes = hot('k 299ms k 299ms k 299ms k 299ms k 299ms k 299ms k 299ms k');
      expectObservable(keystrokes.pipe(throttleTyping(1000, scheduler))).toBe('k 1199ms k');
    });
  });

  it('shows a typing user until three seconds pass without a notice, or at once when they post', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const signals = hot('-a 999ms b 999ms a 499ms B', {
        a: { user: 'alice', typing: true },
        b: { user: 'bob', typing: true },
        B: { user: 'bob', typing: false }, // bob posted
      });
      // alice's second notice (at 2001) renews her: she expires at 5001, not 3001.
      expectObservable(signals.pipe(typingUsers(3000, scheduler))).toBe('e a 999ms b 1499ms a 2499ms e', {
        e: [],
        a: ['alice'],
        b: ['alice', 'bob'],
      });
    });
  });

  it('keeps the newest presence snapshot whatever order join replies and changes arrive in', () => {
    const joinedBob: PresenceSnapshot = { online: ['alice', 'bob'], version: 2 };
    const staleReply: PresenceSnapshot = { online: ['alice'], version: 1 };
    const bobLeft: PresenceSnapshot = { online: ['alice'], version: 3 };
    expect([staleReply, joinedBob].reduce(newerPresence).online).toEqual(['alice', 'bob']);
    expect([joinedBob, staleReply].reduce(newerPresence).online).toEqual(['alice', 'bob']);
    expect([joinedBob, bobLeft, staleReply].reduce(newerPresence).online).toEqual(['alice']);
  });
});
