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
const mode = process.argv[2] ?? 'all';
for (let r = 0; r < 3; r++) {
  const out: string[] = [];
  for (const ch of [1, 10000]) out.push(`${ch}: ${Math.round(run(ch, 300000) / 1000)}k`);
  out.push(`10000 subscribed, 1 hot: ${Math.round(run(10000, 300000, 1) / 1000)}k`);
  out.push(`10000 subscribed, 100 hot: ${Math.round(run(10000, 300000, 100) / 1000)}k`);
  console.log(out.join('  '));
}
