// socket.io-client: connect, listen to one event.
import { io } from 'socket.io-client';

io('http://localhost').on('tick', (m) => console.log(m));
