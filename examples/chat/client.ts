import {
  AsyncSubject,
  BehaviorSubject,
  EMPTY,
  Observable,
  ReplaySubject,
  Subject,
  Subscription,
  asyncScheduler,
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  filter,
  first,
  groupBy,
  lastValueFrom,
  map,
  merge,
  mergeMap,
  of,
  retry,
  scan,
  startWith,
  switchMap,
  takeUntil,
  tap,
  throttleTime,
  throwError,
  throwIfEmpty,
  timer,
  type MonoTypeOperatorFunction,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { ClientClosedError, ConnectionClosedError, RemoteError, RequestTimeoutError, createClient } from '../../src/index';
import type { Client, ClientOptions } from '../../src/index';
import { chat, type Chat, type ChatMessage, type PresenceChange, type PresenceSnapshot, type RoomEvent, type SayAck } from './protocol';

/** A client of the chat server. */
export type ChatClient = Client<Chat>;

/** Creates a client that connects to the chat at `url` as `user`. Other client options pass through. */
export function createChatClient(url: string, user: string, options: Omit<ClientOptions<Chat>, 'url' | 'protocol' | 'auth'> = {}): ChatClient {
  return createClient({ reconnect: { initialDelay: 250, maxDelay: 5000 }, ...options, url, protocol: chat, auth: { token: () => user, via: 'query' } });
}

/** Options of {@link joinRoom}. */
export interface JoinRoomOptions {
  /** At most one typing notice is sent per this many milliseconds. Default 1000. */
  typingThrottle?: number;
  /** Someone stops showing as typing this many milliseconds after their last notice. Default 3000. */
  typingExpiry?: number;
  /** How many timeline entries a late subscriber of `timeline$` or `messages$` is replayed. Default 100. */
  history?: number;
  /** Milliseconds each attempt of a send waits for its acknowledgement. Default 5000. */
  sayTimeout?: number;
  /** How many times a send is retried (with the same client id) before it fails. Default 5. */
  sayRetries?: number;
  /** The clock of the typing throttle and expiry. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Makes the client id of each message. Default `crypto.randomUUID`. */
  newId?: () => string;
}

/** A room joined with {@link joinRoom}. */
export interface ChatRoom {
  /** The room's name. */
  readonly room: string;
  /** Messages and presence changes in the server's order, each once; replays the last `history`. */
  readonly timeline$: Observable<RoomEvent>;
  /** The messages of the timeline, each once (own messages included, to confirm them by `clientId`). */
  readonly messages$: Observable<ChatMessage>;
  /** Who is online in the room, sorted; replays the latest. */
  readonly presence$: Observable<readonly string[]>;
  /** Who else is typing now, sorted; replays the latest. */
  readonly typing$: Observable<readonly string[]>;
  /** Whether this connection is in the room now (false while reconnecting); replays the latest. */
  readonly joined$: Observable<boolean>;
  /**
   * Sends a message at once (without waiting for a subscriber) and emits the server's
   * acknowledgement. If the connection drops before it, the same message (same client id)
   * is sent again once the room is joined again, and the server acknowledges it without
   * publishing it twice.
   */
  say(text: string): Observable<SayAck>;
  /** Tells the others this user is typing: call it on every keystroke; it is throttled. */
  typing(): void;
  /** Leaves the room and completes its streams. Resolves when the server confirmed, or the connection is gone. */
  leave(): Promise<void>;
}

/**
 * Joins `room` on `client`: subscribes to its channel first (so nothing published after
 * the join is missed), then joins, and joins again after every reconnect, since a dropped
 * connection leaves its rooms.
 */
export function joinRoom(client: ChatClient, room: string, options: JoinRoomOptions = {}): ChatRoom {
  const {
    typingThrottle = 1000,
    typingExpiry = 3000,
    history = 100,
    sayTimeout = 5000,
    sayRetries = 5,
    scheduler = asyncScheduler,
    newId = () => globalThis.crypto.randomUUID(),
  } = options;
  const running = new Subscription();
  const leaving = new Subject<void>();
  const timeline = new ReplaySubject<RoomEvent>(history);
  const membership = new BehaviorSubject<PresenceSnapshot | undefined>(undefined); // undefined while not joined
  const presence = new BehaviorSubject<readonly string[]>([]);
  const typingNow = new BehaviorSubject<readonly string[]>([]);
  const keystrokes = new Subject<void>();

  // Completes everything (the client closed, or leave()), or errors it (the room was refused).
  let ended = false;
  const end = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    if (error === undefined) leaving.next(); // pending sends are abandoned; on an error they fail with it
    running.unsubscribe();
    for (const subject of [timeline, membership, presence, typingNow]) (error === undefined ? subject.complete() : subject.error(error));
    keystrokes.complete();
    leaving.complete();
  };

  running.add(
    client
      .channel('room', { room })
      .pipe(distinctRecent(eventKey))
      .subscribe({ next: (event) => timeline.next(event), error: end, complete: () => end() }),
  );

  // Joined again on every connection: the server forgets the rooms of a dropped one.
  running.add(
    client.state$
      .pipe(
        map((state) => state.status === 'open'),
        distinctUntilChanged(),
        switchMap((open) =>
          open ? client.request('join', { room }).pipe(retry({ delay: (error) => (transient(error) ? timer(0, scheduler) : throwError(() => error)) })) : of(undefined),
        ),
      )
      .subscribe({ next: (joined) => membership.next(joined), error: end }),
  );

  running.add(
    merge(membership.pipe(filter(isDefined)), timeline.pipe(filter(isPresenceChange)))
      .pipe(scan(newerPresence), map((snapshot) => snapshot.online), distinctUntilChanged(sameList))
      .subscribe(presence),
  );

  // Someone is typing from their notice until it expires, they post, or they leave.
  const signals$ = merge(
    client.event('typing').pipe(filter((notice) => notice.room === room), map(({ user }) => ({ user, typing: true }))),
    timeline.pipe(filter((event) => event.kind !== 'joined'), map(({ user }) => ({ user, typing: false }))),
  );
  running.add(signals$.pipe(typingUsers(typingExpiry, scheduler)).subscribe(typingNow));

  running.add(
    keystrokes
      .pipe(
        throttleTyping(typingThrottle, scheduler),
        filter(() => membership.getValue() !== undefined), // a notice is worthless later: never queued
        mergeMap(() => client.request('typing', { room }, { timeout: typingThrottle }).pipe(catchError(() => EMPTY))),
      )
      .subscribe(),
  );

  const say = (text: string): Observable<SayAck> => {
    if (ended) return throwError(() => new Error(`room "${room}" was left`));
    const clientId = newId();
    let joinedOn: PresenceSnapshot | undefined;
    const attempt$ = membership.pipe(
      first(isDefined),
      tap((joined) => (joinedOn = joined)),
      switchMap(() => client.request('say', { room, clientId, text }, { timeout: sayTimeout })),
    );
    // Lost with its connection, or sent before the room was joined again: wait for the next join.
    const rejoined = () => membership.pipe(first((joined) => joined !== undefined && joined !== joinedOn));
    const ack = new AsyncSubject<SayAck>();
    attempt$
      .pipe(
        retry({
          count: sayRetries,
          delay: (error) =>
            error instanceof RequestTimeoutError ? of(0)
            : error instanceof ConnectionClosedError || (error instanceof RemoteError && error.code === 'NOT_JOINED') ? rejoined()
            : throwError(() => error),
        }),
        takeUntil(leaving),
        throwIfEmpty(() => new Error(`left room "${room}" before the message was acknowledged`)),
      )
      .subscribe(ack);
    return ack.asObservable();
  };

  return {
    room,
    timeline$: timeline.asObservable(),
    messages$: timeline.pipe(filter((event): event is ChatMessage => event.kind === 'message')),
    presence$: presence.asObservable(),
    typing$: typingNow.asObservable(),
    joined$: membership.pipe(map(isDefined), distinctUntilChanged()),
    say,
    typing: () => keystrokes.next(),
    async leave() {
      if (ended) return;
      // Asked before the channel is let go, so the connection stays up for the request.
      const done = lastValueFrom(client.request('leave', { room }).pipe(catchError((error) => (gone(error) ? of(undefined) : throwError(() => error)))), { defaultValue: undefined });
      end();
      await done;
    },
  };
}

/**
 * The sender's throttle of typing notices: the first keystroke goes out at once, then
 * none for `period` milliseconds. The receiver's expiry should be well over `period`.
 */
export function throttleTyping<T>(period = 1000, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  return throttleTime(period, scheduler, { leading: true, trailing: false });
}

/** A notice that `user` is typing, or has stopped (posted or left). */
export interface TypingSignal {
  /** Who. */
  readonly user: string;
  /** True for a typing notice, false when they posted or left. */
  readonly typing: boolean;
}

/**
 * The receiver's view of who is typing: a user shows from their notice until `expireAfter`
 * milliseconds pass without another, or until a signal says they stopped. Emits the sorted
 * list at once (empty) and on every change.
 */
export function typingUsers(expireAfter = 3000, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<TypingSignal, readonly string[]> {
  return (signals) =>
    signals.pipe(
      groupBy((signal) => signal.user),
      mergeMap((byUser) =>
        byUser.pipe(
          // Each notice restarts its user's expiry.
          switchMap(({ typing }) => (typing ? concat(of(true), timer(expireAfter, scheduler).pipe(map(() => false))) : of(false))),
          map((typing) => ({ user: byUser.key, typing })),
        ),
      ),
      scan((users, { user, typing }) => (typing ? [...users.filter((u) => u !== user), user].sort() : users.filter((u) => u !== user)), [] as string[]),
      startWith([] as string[]),
      distinctUntilChanged(sameList),
    );
}

/** Of two presence snapshots, the newer: replies and changes may arrive out of order. */
export function newerPresence(current: PresenceSnapshot, next: PresenceSnapshot): PresenceSnapshot {
  return next.version >= current.version ? next : current;
}

const isDefined = <T>(value: T | undefined): value is T => value !== undefined;
const isPresenceChange = (event: RoomEvent): event is PresenceChange => event.kind !== 'message';
const eventKey = (event: RoomEvent) => (event.kind === 'message' ? `message ${event.id}` : `presence ${event.version}`);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, i) => item === b[i]);
const transient = (error: unknown) => error instanceof ConnectionClosedError || error instanceof RequestTimeoutError;
const gone = (error: unknown) => error instanceof ConnectionClosedError || error instanceof ClientClosedError;

/** Drops values whose key was seen among the last `size` keys. */
function distinctRecent<T>(key: (value: T) => string, size = 1000): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const seen = new Set<string>();
      return source.pipe(
        filter((value) => {
          const k = key(value);
          if (seen.has(k)) return false;
          seen.add(k);
          if (seen.size > size) seen.delete(seen.values().next().value!);
          return true;
        }),
      );
    });
}
