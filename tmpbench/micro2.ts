import * as t from 'io-ts';
import { createClient, defineProtocol } from '../src/index';
import { createFakeWebSocket } from '../src/testing';
const protocol = defineProtocol({ channels: { device: { params: t.type({ id: t.string }), message: t.type({ id: t.string, temperature: t.number, unit: t.string }) } } });
function run(channels: number, count: number, spread = channels): number {
  const kit = createFakeWebSocket();
  const client = createClient({ url: 'ws://x', WebSocketCtor: kit.WebSocketCtor, protocol, heartbeat: false });
  let n = 0;
  for (let i = 0; i < channels; i++) client.channel('device', { id: String(i) }).subscribe(() => n++);
  const s = kit.sockets[0]!;
  s.accept();
  const frames: string[] = [];
  const seqs = new Array(channels).fill(0);
  for (let i = 0; i < count; i++) {
    const c = i % spread;
    frames.push(`{"type":"msg","id":"${c + 1}","seq":${++seqs[c]},"data":{"id":"dev-${i % 10000}","temperature":${20 + (i % 200) / 10},"unit":"celsius"}}`);
  }
  const t0 = performance.now();
  for (const data of frames) s.onmessage!({ data });
  const ms = performance.now() - t0;

  client.close();
  return (count / ms) * 1000;
}

const ch = Number(process.argv[2]);
const rates: number[] = [];
for (let r = 0; r < 7; r++) rates.push(run(ch, 300000, Number(process.argv[3] ?? ch)));
rates.sort((a, b) => a - b);
console.log(ch, 'median', Math.round(rates[3]! / 1000) + 'k', rates.map((x) => Math.round(x / 1000)).join(' '));
