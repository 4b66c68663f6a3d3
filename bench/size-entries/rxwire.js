// rxwire's browser client: createClient, defineProtocol, one channel.
import * as t from 'io-ts';
import { createClient, defineProtocol } from 'rxwire';

const protocol = defineProtocol({ channels: { tick: { params: t.type({ id: t.string }), message: t.type({ n: t.number }) } } });
createClient({ url: 'ws://localhost/live', protocol })
  .channel('tick', { id: 'a' })
  .subscribe({ next: (m) => console.log(m.n), error: (e) => console.error(e) });
