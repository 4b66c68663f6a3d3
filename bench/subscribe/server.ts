// The server of the subscribe benchmark: rxwire with default limits but maxSubscriptions
// (10,000 channels on one connection need it raised). Prints its port; ends with stdin.
import { createServer } from '../../src/server/index';
import { subscribeProtocol } from './protocol';

const server = await createServer({ protocol: subscribeProtocol, port: 0, host: '127.0.0.1', limits: { maxSubscriptions: 20_000 } });
const closes: Record<string, number> = {};
server.connections$.subscribe((event) => {
  if (event.type === 'disconnected') closes[event.code] = (closes[event.code] ?? 0) + 1;
});
console.log(JSON.stringify({ port: server.port }));
process.stdin.on('data', () => console.log(JSON.stringify({ closes })));
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
