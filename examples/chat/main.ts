/**
 * `npx tsx examples/chat/main.ts`: alice and bob chat in the lobby.
 *
 * Starts the chat server on 127.0.0.1 and prints the lobby as alice sees it: bob joins,
 * types (alice sees "bob is typing…" until he posts), they exchange a message, then bob
 * leaves. Ends by itself after about three seconds.
 */
import WebSocket from 'ws';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { createChatClient, joinRoom, type ChatRoom } from './client';
import { startChatServer } from './server';

const t0 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(4)}s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const joined = (room: ChatRoom) => firstValueFrom(room.joined$.pipe(filter(Boolean)));

async function main(): Promise<void> {
  const chat = await startChatServer();
  log(`chat server listening on ${chat.url}`);
  const connect = (user: string) => createChatClient(chat.url, user, { WebSocketCtor: WebSocket as never });
  const [aliceClient, bobClient] = [connect('alice'), connect('bob')];

  // Everything below is alice's view of the lobby.
  const alice = joinRoom(aliceClient, 'lobby');
  alice.timeline$.subscribe((event) => log(event.kind === 'message' ? `${event.user}: ${event.text}` : `— ${event.user} ${event.kind}`));
  alice.presence$.subscribe((online) => log(`online: ${online.join(', ') || 'nobody yet'}`));
  alice.typing$.subscribe((typing) => typing.length > 0 && log(`${typing.join(', ')} is typing…`));
  await joined(alice);

  const bob = joinRoom(bobClient, 'lobby');
  await joined(bob);
  for (let i = 0; i < 8; i++) {
    bob.typing(); // a keystroke every 150 ms: one notice goes out per second
    await sleep(150);
  }
  await lastValueFrom(bob.say('hi alice, are you coming tonight?'));
  await sleep(300);
  await lastValueFrom(alice.say('yes, at eight'));
  await sleep(300);
  await bob.leave();
  await sleep(300);

  aliceClient.close();
  bobClient.close();
  await chat.close();
  log('done');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
