// One operator alone, as a user who composes their own pipeline takes it.
import { webSocket } from 'rxjs/webSocket';
import { reconnect } from 'rxwire';

webSocket('ws://localhost/live').pipe(reconnect({ maxAttempts: 5 })).subscribe({ error: (e) => console.error(e) });
