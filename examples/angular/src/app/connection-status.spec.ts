import { TestBed } from '@angular/core/testing';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSocket } from 'rxwire/testing';
import { ConnectionStatus } from './connection-status';
import { HOME_CLIENT, provideHomeClient } from './home-client';

describe('ConnectionStatus', () => {
  it('says connecting, online, reconnecting with the attempt and delay, then online again', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ expectObservable }) => {
      const kit = createFakeWebSocket();
      kit.script('-o--#'); // accepted at 1, dropped at 4
      kit.script('-o'); // the retry, 1 s later, accepted at once

      TestBed.configureTestingModule({
        providers: [
          provideHomeClient(
            { server: 'ws://test', token: 'token-alice' },
            { WebSocketCtor: kit.WebSocketCtor, heartbeat: false, reconnect: { initialDelay: 1000, jitter: 'none' } },
          ),
        ],
      });
      const fixture = TestBed.createComponent(ConnectionStatus);
      const client = TestBed.inject(HOME_CLIENT);
      client.connect(); // what the dashboard's channels do: hold the connection

      // The indicator's text each time the state changes.
      const text$ = client.state$.pipe(
        map(() => {
          fixture.detectChanges();
          return (fixture.nativeElement as HTMLElement).textContent!.trim();
        }),
      );
      expectObservable(text$, '^ 1100ms !').toBe('ab--c 999ms de', {
        a: 'connecting…',
        b: 'online',
        c: 'reconnecting: attempt 1 in 1.0 s',
        d: 'connecting (attempt 1)…',
        e: 'online',
      });
    });
  });
});
