import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type WebSocketServer } from 'ws';
import { createClient, jsonEnvelope, DecodeError, MAX_BATCH_ANSWER_BYTES, type Client, type ClientError, type ClientStats, type Inbound } from '../../src/index';
import { catchUnhandled, unhandled } from '../support/unhandled';
import { deepArray, target } from '../fuzz/protocol';
import { crash, listen, waitFor } from '../support/wsServer';

let wss: WebSocketServer | undefined;
const clients: Array<Client<typeof target>> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await crash(wss);
});

/**
 * A server that answers the client's subscription batch with one `batch` frame of its
 * own: `answer(ids)` makes its frames, as texts, from the ids of the `sub` frames.
 */
async function batchingServer(answer: (ids: Record<string, string>) => string[]): Promise<{ url: string; asked: unknown[] }> {
  const asked: unknown[] = [];
  const server = await listen(0, (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type !== 'batch') return;
      asked.push(frame.reply);
      const ids = Object.fromEntries(frame.frames.map((f: any) => [f.params.id, f.id]));
      socket.send(`{"type":"batch","frames":[${answer(ids).join(',')}]}`);
    });
  });
  wss = server.wss;
  return { url: `ws://127.0.0.1:${server.port}`, asked };
}

function start(url: string, options: { maxDepth?: number; maxPayload?: number; adapter?: ReturnType<typeof jsonEnvelope> } = {}) {
  const client = createClient({ url, WebSocketCtor: WebSocket, protocol: target, heartbeat: false, ...options });
  clients.push(client);
  const errors: ClientError[] = [];
  const got: Record<string, number[]> = { a: [], b: [] };
  const failed: unknown[] = [];
  let stats: ClientStats | undefined;
  client.errors$.subscribe((e) => errors.push(e));
  client.stats$.subscribe((s) => (stats = s));
  for (const id of ['a', 'b']) client.channel('feed', { id }).subscribe({ next: (m) => got[id]!.push(m.n), error: (e) => failed.push(e) });
  return { client, errors, got, failed, stats: () => stats! };
}

const msg = (id: string, offset: number, text = '"ok"') => `{"type":"msg","id":"${id}","offset":${offset},"data":{"n":${offset},"text":${text}}}`;
const subscribed = (id: string) => `{"type":"subscribed","id":"${id}","epoch":"E","offset":0}`;

describe('answers in a batch frame, over a real socket', () => {
  it('asks for them, and reads every frame of a batch in order as if each had come alone', async () => {
    const { url, asked } = await batchingServer((ids) => [subscribed(ids.a!), subscribed(ids.b!), msg(ids.a!, 1), msg(ids.b!, 1), msg(ids.a!, 2), msg(ids.b!, 2)]);
    const { got, errors, failed, stats } = start(url);
    await waitFor(() => got.a!.length === 2 && got.b!.length === 2, 5000, 'both channels');
    expect(asked).toEqual(['batch']);
    expect(got).toEqual({ a: [1, 2], b: [1, 2] });
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    // The welcome and the six frames of the batch: a batch counts as what it carries.
    await waitFor(() => stats().messagesIn === 7, 5000, 'the count');
  });

  it('drops and reports only the frame of a batch nested too deep; the frames around it are delivered', async () => {
    const deep = `{"type":"event","name":"note","data":{"text":${deepArray(20)}}}`;
    // Each frame alone is within maxDepth 16 but one; the batch's own two levels do not count.
    const { url } = await batchingServer((ids) => [subscribed(ids.a!), subscribed(ids.b!), msg(ids.a!, 1, deepArray(13)), deep, msg(ids.b!, 1), msg(ids.a!, 2)]);
    const { got, errors, failed } = start(url, { maxDepth: 16 });
    await waitFor(() => errors.length >= 2 && got.b!.length === 1 && got.a!.length >= 1, 5000, 'the delivered frames and the reports');
    // a's first message is within the depth as a frame but its text is no string: a
    // decode error of its own, as it would be alone; a's second and b's first arrive.
    expect(got).toEqual({ a: [2], b: [1] });
    expect(failed).toEqual([]);
    expect(errors.map((e) => (e as DecodeError).message)).toEqual([
      expect.stringContaining('message of channel "feed"'),
      expect.stringContaining('a frame of a batch nested deeper than 16 levels (maxDepth)'),
    ]);
    expect(errors.every((e) => e instanceof DecodeError)).toBe(true);
  });

  it('does not ask for batched answers when its maxPayload is below MAX_BATCH_ANSWER_BYTES, and reads them all the same', async () => {
    const { url, asked } = await batchingServer((ids) => [subscribed(ids.a!), subscribed(ids.b!), msg(ids.a!, 1), msg(ids.b!, 1)]);
    const { got } = start(url, { maxPayload: MAX_BATCH_ANSWER_BYTES - 1 });
    await waitFor(() => got.a!.length === 1 && got.b!.length === 1, 5000, 'both channels');
    expect(asked).toEqual([undefined]);
    const big = start(url, { maxPayload: MAX_BATCH_ANSWER_BYTES });
    await waitFor(() => big.got.a!.length === 1, 5000, 'the second client');
    expect(asked).toEqual([undefined, 'batch']);
  });

  it('goes on with the frames after one whose handling throws, reporting it as a frame alone would be', async () => {
    catchUnhandled();
    const { url } = await batchingServer((ids) => [subscribed(ids.a!), subscribed(ids.b!), '{"type":"poke"}', msg(ids.a!, 1), msg(ids.b!, 1)]);
    const envelope = jsonEnvelope();
    // An adapter whose protocol-level reply to `poke` cannot be serialized (a BigInt): sending it throws.
    const adapter = { ...envelope, decode: (frame: unknown, ids?: Parameters<typeof envelope.decode>[1]): Inbound => ((frame as { type?: string }).type === 'poke' ? { kind: 'reply', frames: [{ n: 1n }] } : envelope.decode(frame, ids)) };
    const { got } = start(url, { adapter });
    await waitFor(() => got.a!.length === 1 && got.b!.length === 1, 5000, 'the frames after the one that threw');
    await waitFor(() => unhandled.length === 1, 5000, 'the report');
    expect(String(unhandled[0])).toContain('BigInt');
  });

  it('reports each malformed batch and each bad frame in one, and both channels go on', async () => {
    const hostile = [
      '{"type":"batch","frames":"x"}', // not an array: one unknown frame
      '{"type":"batch","frames":[null,7,"s",[],{"type":"batch","frames":[]}]}', // five bad frames, a batch in a batch among them
      `{"type":"batch","frames":[{"type":"event","name":"note","data":{"text":${deepArray(5000)}}}]}`, // one frame far too deep
    ];
    let wireIds: Record<string, string> = {};
    const { url } = await batchingServer((ids) => {
      wireIds = ids;
      return [subscribed(ids.a!), subscribed(ids.b!), msg(ids.a!, 1)];
    });
    const { got, errors, failed } = start(url);
    await waitFor(() => got.a!.length === 1, 5000, 'the first message');
    const socket = [...wss!.clients][0]!;
    for (const frame of hostile) socket.send(frame);
    socket.send(`{"type":"batch","frames":[${msg(wireIds.b!, 1)},${msg(wireIds.a!, 2)}]}`);
    await waitFor(() => got.b!.length === 1 && got.a!.length === 2, 5000, 'the messages after the hostile frames');
    expect(got).toEqual({ a: [1, 2], b: [1] });
    expect(failed).toEqual([]);
    expect(errors).toHaveLength(7);
    expect(errors.map((e) => (e as Error).message).filter((m) => m.includes('not an rxwire envelope'))).toHaveLength(6);
    expect(errors.at(-1)).toBeInstanceOf(DecodeError);
    expect((errors.at(-1) as Error).message).toContain('a frame of a batch nested deeper than 64 levels (maxDepth)');
  });

  it('reads a batch frame as one frame when the adapter cannot open it, and goes on', async () => {
    const { url } = await batchingServer((ids) => [subscribed(ids.a!), subscribed(ids.b!), msg(ids.a!, 1)]);
    const adapter = {
      ...jsonEnvelope(),
      unbatch: () => {
        throw new Error('no batches here');
      },
    };
    const { got, errors, client } = start(url, { adapter });
    await waitFor(() => errors.length === 1, 5000, 'the report of the unknown frame');
    expect(String((errors[0] as Error).message)).toContain('not an rxwire envelope');
    expect(got).toEqual({ a: [], b: [] });
    expect(await new Promise((resolve) => client.state$.subscribe((s) => resolve(s.status)).unsubscribe())).toBe('open');
  });
});
