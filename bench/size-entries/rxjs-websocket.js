// RxJS's webSocket alone: one socket, one multiplexed channel, no reconnection.
import { webSocket } from 'rxjs/webSocket';

webSocket('ws://localhost/live')
  .multiplex(() => ({ sub: 'tick' }), () => ({ unsub: 'tick' }), (m) => m.channel === 'tick')
  .subscribe({ next: (m) => console.log(m), error: (e) => console.error(e) });
