import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type * as t from 'io-ts';
import type { Inbound, WireAdapter, WireRequest } from '../protocol/adapter';
import { ClientClosedError, ConnectionClosedError, DecodeError, InvalidOptionsError, RemoteError, RequestTimeoutError } from '../protocol/errors';
import { CloseCode, closeCodeOf } from '../protocol/closeCodes';
import { checkParsed } from '../protocol/validate';

interface PendingRequest {
  readonly name: string;
  /** What the adapter builds the frame from, when it is sent. */
  readonly wire: WireRequest;
  readonly response: t.Mixed;
  readonly error: t.Mixed | undefined;
  readonly sink: Subscriber<unknown>;
  sent: boolean;
}

/** What the request table needs from its client. */
export interface RequestIo {
  sendControl(frame: unknown): boolean;
  isOpen(): boolean;
  isClosed(): boolean;
  nextId(): string;
  /** The connection and its dispatch, held while a request waits. */
  readonly inbound$: Observable<never>;
  readonly scheduler: SchedulerLike;
  onDecodeError(error: DecodeError): void;
  /** An error the server reported alongside the data of a reply (a partial result). */
  onRemoteError(error: RemoteError): void;
  onLateReply(): void;
}

/** Requests waiting for their reply, by correlation id. */
export class RequestTable {
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly adapter: WireAdapter,
    private readonly io: RequestIo,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Whether `id` is a request waiting for its reply. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /**
   * One request: cold, each subscription registers it under a new id, sends it if the
   * connection is open (otherwise on the next open), times it out, and holds the
   * connection until it is answered or left.
   */
  observe(name: string, payload: unknown, codecs: { response: t.Mixed; error?: t.Mixed }, timeout: number): Observable<unknown> {
    const { io } = this;
    return new Observable<unknown>((sink) => {
      if (io.isClosed()) return sink.error(new ClientClosedError());
      const forget = this.start(`r${io.nextId()}`, name, payload, codecs, sink, timeout);
      const hold = io.inbound$.subscribe({ error: (e: unknown) => sink.error(e), complete: () => sink.error(new ClientClosedError()) });
      return () => {
        forget();
        hold.unsubscribe();
      };
    });
  }

  private start(id: string, name: string, payload: unknown, codecs: { response: t.Mixed; error?: t.Mixed }, sink: Subscriber<unknown>, timeout: number): () => void {
    if (!this.adapter.request) throw new InvalidOptionsError('this wire adapter has no requests');
    const request: PendingRequest = { name, wire: { id, name, payload }, response: codecs.response, error: codecs.error, sink, sent: false };
    this.pending.set(id, request);
    if (this.io.isOpen()) this.send(request);
    const timer: Subscription = this.io.scheduler.schedule(() => sink.error(new RequestTimeoutError(name, timeout)), timeout);
    return () => {
      // Left unanswered (timed out, unsubscribed) after it went out: the server may stop working on it.
      if (this.pending.delete(id) && request.sent && this.adapter.cancel && !this.io.isClosed()) this.io.sendControl(this.adapter.cancel(request.wire));
      timer.unsubscribe();
    };
  }

  /** Builds the request's frame now, as it goes out on an accepted connection. */
  private send(request: PendingRequest): void {
    let frame: unknown;
    try {
      frame = this.adapter.request!(request.wire);
    } catch (error) {
      // An adapter that cannot make this frame fails this request alone.
      this.pending.delete(request.wire.id);
      return request.sink.error(error);
    }
    request.sent = this.io.sendControl(frame);
  }

  /** A connection opened: send every request that has not gone out yet. */
  onOpen(): void {
    for (const request of this.pending.values()) {
      if (!request.sent) this.send(request);
    }
  }

  /**
   * The connection is gone, with `cause` (what it ended with). A request already sent
   * cannot be known to have run or not: it fails rather than being sent twice, with
   * the close's real code.
   */
  onClose(cause?: unknown): void {
    const code = closeCodeOf(cause) ?? CloseCode.AbnormalClosure;
    for (const request of [...this.pending.values()]) {
      if (request.sent) request.sink.error(new ConnectionClosedError(code, `the connection closed before the reply to "${request.name}"`, cause));
    }
  }

  /** Handles a reply. Returns false for other frames. */
  handle(inbound: Inbound): boolean {
    if (inbound.kind !== 'response') return false;
    const request = this.pending.get(inbound.id);
    if (!request) {
      this.io.onLateReply(); // timed out or unsubscribed: delivered to nobody
      return true;
    }
    const { sink, name } = request;
    // Answered: no longer pending, so that its teardown does not cancel it.
    this.pending.delete(inbound.id);
    if (inbound.error && inbound.data !== undefined) {
      // A partial result: the data is the reply; the error is reported beside it.
      this.io.onRemoteError(new RemoteError(name, inbound.error.code, inbound.error.message, inbound.error.data));
    } else if (inbound.error) {
      let data = inbound.error.data;
      if (request.error && data !== undefined) {
        const checked = checkParsed(request.error, data);
        if (checked.ok) data = checked.value;
        else this.io.onDecodeError(new DecodeError(`error data of request "${name}": ${checked.reason}`, data));
      }
      sink.error(new RemoteError(name, inbound.error.code, inbound.error.message, data));
      return true;
    }
    const checked = checkParsed(request.response, inbound.data);
    if (checked.ok) {
      sink.next(checked.value);
      sink.complete();
    } else {
      const error = new DecodeError(`reply to request "${name}": ${checked.reason}`, inbound.data);
      this.io.onDecodeError(error);
      sink.error(error);
    }
    return true;
  }
}
