import { TestBed } from '@angular/core/testing';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createFakeWebSocket, type FakeWebSocketKit } from 'rxwire/testing';
import { DeviceTile } from './device-tile';
import { provideHomeClient } from './home-client';

const oven = (temperature: number) => ({ kind: 'oven', id: 'oven-1', name: 'Kitchen oven', temperature, target: 180 });
// What the server sends on the tile's subscription (the client's first, so id '1').
const msg = (offset: number, data: unknown) => ({ type: 'msg', id: '1', offset, data });

/** A tile for `id`, against a fake server that plays `script` (given before the tile connects). */
function setup(id: string, ...script: Parameters<FakeWebSocketKit['script']>) {
  const kit = createFakeWebSocket();
  kit.script(...script);
  TestBed.configureTestingModule({
    providers: [provideHomeClient({ server: 'ws://test', token: 'token-alice' }, { WebSocketCtor: kit.WebSocketCtor, heartbeat: false })],
  });
  const fixture = TestBed.createComponent(DeviceTile);
  fixture.componentRef.setInput('id', id);
  TestBed.tick(); // renders the tile, which subscribes to its channel: the client connects
  // The tile's heading and paragraphs, as the user reads them.
  const text = () => {
    TestBed.tick();
    const lines = (fixture.nativeElement as HTMLElement).querySelectorAll('h2, p');
    return [...lines].map((line) => line.textContent!.trim()).join(' | ');
  };
  return { kit, fixture, text };
}

describe('DeviceTile', () => {
  it('shows each reading of its device as it arrives', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const { text } = setup('oven-1', '-o-a--b', { a: msg(1, oven(20)), b: msg(2, oven(35)) });
      // The tile's text, read at frames 2, 4 and 7.
      expectObservable(cold('--x-y--z').pipe(map(text))).toBe('--x-y--z', {
        x: 'oven-1 | waiting for the first reading…',
        y: 'Kitchen oven | 20 °C | target 180 °C',
        z: 'Kitchen oven | 35 °C | target 180 °C',
      });
    });
  });

  it('shows the server’s refusal in place of the readings', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const { text } = setup('oven-2', '-o-e', { e: { type: 'error', id: '1', code: 'FORBIDDEN', message: 'not your device' } });
      expectObservable(cold('----x|').pipe(map(text))).toBe('----x|', { x: 'oven-2 | FORBIDDEN: not your device' });
    });
  });

  it('unsubscribes when it is destroyed, and the client, with nothing left to serve, closes the socket', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const { kit, fixture } = setup('oven-1', '-o');
      cold('---x').subscribe(() => fixture.destroy());
      expectObservable(kit.sent$(0)).toBe('-s-u', {
        s: { type: 'sub', id: '1', channel: 'device', params: { id: 'oven-1' } },
        u: { type: 'unsub', id: '1' },
      });
      expectSubscriptions(kit.socketLogs).toBe(['^--!']);
    });
  });
});
