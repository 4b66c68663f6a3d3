// centrifuge-js: connect, one subscription.
import { Centrifuge } from 'centrifuge';

const client = new Centrifuge('ws://localhost/connection/websocket');
client.newSubscription('tick').on('publication', (ctx) => console.log(ctx.data)).subscribe();
client.connect();
