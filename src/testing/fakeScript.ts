import type { SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { closeWith, isFakeClose, type FakeClose } from './fakeClose';
import type { FakeSocket } from './fakeSocket';

const ACCEPT: unique symbol = Symbol('rxwire.fake.accept');
const OPEN: unique symbol = Symbol('rxwire.fake.open');

/** A script of the server's side of one socket, as `FakeWebSocketKit.script` takes it. */
export interface FakeScript {
  readonly marbles: string;
  readonly values: Record<string, unknown>;
}

/** Schedules what a script makes the server do to `socket`, from the current frame. */
export function playScript(socket: FakeSocket, scheduler: SchedulerLike, { marbles, values }: FakeScript): void {
  // Characters with no value stand for themselves; `o` accepts and `O` only opens,
  // unless they have a value.
  const all: Record<string, unknown> = { ...Object.fromEntries([...marbles].map((c) => [c, c])), o: ACCEPT, O: OPEN, ...values };
  const messages = TestScheduler.parseMarbles(marbles, all, closeWith(1006, '', false), false, true);
  for (const { frame: at, notification } of messages) {
    scheduler.schedule(() => {
      if (notification.kind === 'E') socket.serverClose(notification.error as FakeClose);
      else if (notification.kind === 'C') socket.serverClose(closeWith(1000, 'normal closure'));
      else {
        const value = notification.value;
        if (value === ACCEPT) socket.accept();
        else if (value === OPEN) socket.open();
        else if (isFakeClose(value)) socket.serverClose(value);
        else socket.receive(value);
      }
    }, at);
  }
}
