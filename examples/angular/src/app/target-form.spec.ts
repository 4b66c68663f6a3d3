import { TestBed } from '@angular/core/testing';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSocket } from 'rxwire/testing';
import { HOME_CLIENT, provideHomeClient } from './home-client';
import { TargetForm } from './target-form';

describe('TargetForm', () => {
  it('sends setTarget as a request and shows the reply, or the server’s error with its code', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const kit = createFakeWebSocket();
      // The server accepts at 1 and answers each request two frames after it.
      kit.script('-o--r---e', {
        r: { type: 'res', id: 'r1', data: { id: 'oven-1', target: 220 } },
        e: { type: 'res', id: 'r2', error: { code: 'OUT_OF_RANGE', message: 'targets go from 0 to 300 °C', data: { min: 0, max: 300 } } },
      });
      TestBed.configureTestingModule({
        providers: [provideHomeClient({ server: 'ws://test', token: 'token-alice' }, { WebSocketCtor: kit.WebSocketCtor, heartbeat: false })],
      });
      const fixture = TestBed.createComponent(TargetForm);
      fixture.detectChanges();
      // On the dashboard the tiles hold the connection; alone, each request would open
      // and close its own.
      TestBed.inject(HOME_CLIENT).connect();

      const form = (fixture.nativeElement as HTMLElement).querySelector('form')!;
      const submit = (target: string) => {
        form.querySelector('input')!.value = target;
        form.dispatchEvent(new Event('submit', { cancelable: true }));
      };
      const outcome = () => {
        fixture.detectChanges();
        return (fixture.nativeElement as HTMLElement).querySelector('.outcome')?.textContent ?? '';
      };

      // The user sets 220 at 2, then 900 at 6.
      cold('--a---b', { a: '220', b: '900' }).subscribe(submit);
      expectObservable(kit.sent$(0)).toBe('--a---b', {
        a: { type: 'req', id: 'r1', name: 'setTarget', payload: { id: 'oven-1', target: 220 } },
        b: { type: 'req', id: 'r2', name: 'setTarget', payload: { id: 'oven-1', target: 900 } },
      });
      // What the form shows, read at 0, 5 and 9.
      expectObservable(cold('x----y---z').pipe(map(outcome))).toBe('x----y---z', {
        x: '',
        y: 'oven-1: target set to 220 °C',
        z: 'OUT_OF_RANGE: targets go from 0 to 300 °C (from 0 to 300)',
      });
    });
  });
});
