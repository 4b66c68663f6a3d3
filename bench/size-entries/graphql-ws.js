// graphql-ws: one subscription.
import { createClient } from 'graphql-ws';

createClient({ url: 'ws://localhost/graphql' }).subscribe({ query: 'subscription { tick { n } }' }, { next: console.log, error: console.error, complete: () => undefined });
