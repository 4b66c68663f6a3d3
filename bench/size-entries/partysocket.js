// partysocket: a reconnecting WebSocket, one listener.
import { WebSocket } from 'partysocket';

new WebSocket('ws://localhost/live').addEventListener('message', (e) => console.log(e.data));
