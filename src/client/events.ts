import { Observable, Subject, merge, takeUntil } from 'rxjs';
import type { Protocol } from '../protocol/defineProtocol';
import { lookup } from '../protocol/defineProtocol';
import { DecodeError } from '../protocol/errors';
import { checkParsed } from '../protocol/validate';

/**
 * The protocol's events: one subject per name observed, fed by the inbound dispatch
 * with payloads checked against their codecs.
 */
export class EventHub {
  private readonly subjects = new Map<string, Subject<unknown>>();

  constructor(
    private readonly events: Protocol['events'],
    private readonly onDecodeError: (error: DecodeError) => void,
  ) {}

  /** The events named `name`; subscribing holds `inbound$` (the connection) until `closed$`. */
  observe(name: string, inbound$: Observable<never>, closed$: Observable<void>): Observable<unknown> {
    let subject = this.subjects.get(name);
    if (!subject) this.subjects.set(name, (subject = new Subject()));
    return merge(inbound$, subject).pipe(takeUntil(closed$));
  }

  /** Delivers one inbound event, or reports why it cannot be. */
  deliver(name: string, data: unknown): void {
    const codec = lookup(this.events, name);
    if (!codec) return this.onDecodeError(new DecodeError(`unknown event "${name}"`, data));
    const checked = checkParsed(codec, data);
    if (checked.ok) this.subjects.get(name)?.next(checked.value);
    else this.onDecodeError(new DecodeError(`event "${name}": ${checked.reason}`, data));
  }

  /** The client closed: every event stream completes. */
  complete(): void {
    for (const subject of this.subjects.values()) subject.complete();
  }
}
