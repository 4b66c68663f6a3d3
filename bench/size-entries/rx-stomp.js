// @stomp/rx-stomp: connect, watch one destination.
import { RxStomp } from '@stomp/rx-stomp';

const stomp = new RxStomp();
stomp.configure({ brokerURL: 'ws://localhost/stomp' });
stomp.activate();
stomp.watch('/topic/tick').subscribe((m) => console.log(m.body));
