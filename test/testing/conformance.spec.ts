import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, ForbiddenError, memoryBroker, type Server } from '../../src/server';
import type { Broker } from '../../src/server/brokers/types';
import { CONFORMANCE_RULES, checkConformance, type ConformanceOptions, type ConformanceResult } from '../../src/testing';
import { smartHome } from '../support/smartHome';

const PROTOCOL_MD = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
/** The anchors of the document's sections, as GitHub and TypeDoc make them. */
const ANCHORS = new Set([...PROTOCOL_MD.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

const HISTORY = 20;
const LIMITS = {
  maxSubscriptions: 20,
  rate: { messages: 200, interval: 1000 },
  maxPayload: 64 * 1024,
  maxDepth: 16,
  maxConnectionsPerAddress: 30,
};

/** The kit's options for a server at `port` that publishes through `publish`. */
function kitOptions(port: number, publish: ConformanceOptions['publish'], extra: Partial<ConformanceOptions> = {}): ConformanceOptions {
  return {
    url: `ws://127.0.0.1:${port}/live`,
    channel: { name: 'device', params: { id: 'oven-1' }, message: (n) => ({ id: 'oven-1', temperature: n }), invalidParams: { id: 42 } },
    publish,
    timeout: 2000,
    quiet: 100,
    ...extra,
  };
}

/** The rules of `result` that were broken, by id. */
function broken(result: ConformanceResult): string[] {
  return result.rules.filter((rule) => !rule.kept).map((rule) => rule.id);
}

describe('checkConformance against rxwire\'s own server', () => {
  let server: Server<typeof smartHome, { name: string }> | undefined;
  let broker: Broker | undefined;
  afterEach(async () => {
    await server?.close();
    await broker?.close();
    server = undefined;
  });

  it('keeps every rule, none skipped, when every option is given', async () => {
    broker = memoryBroker({ historySize: HISTORY });
    server = await createServer({
      protocol: smartHome,
      broker,
      path: '/live',
      pingInterval: 300,
      upgradeTimeout: 500,
      limits: LIMITS,
      authenticate: ({ token }) => {
        if (token === 'mallory') throw new ForbiddenError();
        return token === 'alice' ? { name: 'alice' } : undefined;
      },
      authorize: (_user, _channel, params) => (params as { id: string }).id !== 'vault',
    });
    server.handle('setTarget', ({ target }) => ({ ok: true, target }));
    const live = server;
    const result = await checkConformance(
      kitOptions(server.port, (channel, params, data) => live.publish(channel as 'device', params as { id: string }, data as { id: string; temperature: number }), {
        forbidden: { channel: 'device', params: { id: 'vault' } },
        request: { name: 'setTarget', payload: { id: 'oven-1', target: 180 }, response: { ok: true, target: 180 }, invalidPayload: { id: 'oven-1' } },
        emit: { name: 'alert', data: { device: 'oven-1', message: 'hot' }, send: () => live.emit('alert', { device: 'oven-1', message: 'hot' }) },
        tokens: { accepted: 'alice', refused: 'nobody', forbidden: 'mallory' },
        limits: { ...LIMITS, historySize: HISTORY, upgradeTimeout: 500 },
      }),
    );
    expect(result.rules.filter((rule) => !rule.kept)).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.rules.map((rule) => rule.id)).toEqual(CONFORMANCE_RULES);
    expect(result.passed).toBe(true);
    // Each cites a section docs/protocol.md has.
    for (const rule of result.rules) expect(ANCHORS, rule.id).toContain(rule.section.replace(/^docs\/protocol\.md#/, ''));
  }, 60_000);

  it('keeps every rule it can check with only the required options, and says why it skipped the rest', async () => {
    server = await createServer({ protocol: smartHome, path: '/live', refuseWith: 'http' });
    const live = server;
    const result = await checkConformance(kitOptions(server.port, (channel, params, data) => live.publish(channel as 'device', params as { id: string }, data as { id: string; temperature: number })));
    expect(broken(result)).toEqual([]);
    expect(result.passed).toBe(true);
    // The default ping interval (30 s) is too long to wait for.
    expect(result.skipped.map((rule) => rule.id)).toEqual(expect.arrayContaining(['auth.token.protocol', 'req.reply', 'limits.rate', 'liveness.native-ping', 'liveness.no-pong']));
  }, 60_000);

  it('reports HTTP refusals as such with refuseWith: \'http\'', async () => {
    server = await createServer({ protocol: smartHome, refuseWith: 'http', authenticate: ({ token }) => {
      if (token === 'mallory') throw new ForbiddenError();
      return token === 'alice' ? { name: 'alice' } : undefined;
    } });
    const result = await checkConformance(kitOptions(server.port, () => undefined, { tokens: { accepted: 'alice', refused: 'nobody', forbidden: 'mallory' }, refuseWith: 'http', only: ['auth'] }));
    expect(result.rules.map((rule) => [rule.id, rule.kept])).toEqual([
      ['auth.token.protocol', true],
      ['auth.token.query', true],
      ['auth.token.header', true],
      ['auth.unauthorized', true],
      ['auth.forbidden', true],
    ]);
    // The same server, checked as if it refused with close codes: broken, saying what came instead.
    const strict = await checkConformance(kitOptions(server.port, () => undefined, { tokens: { accepted: 'alice', refused: 'nobody' }, only: ['auth.unauthorized'] }));
    expect(strict.rules[0]).toMatchObject({ id: 'auth.unauthorized', kept: false, detail: expect.stringContaining('HTTP 401') });
  });
});

/** A raw `ws` server on loopback that answers every frame with `answer`. */
async function rawServer(onConnection: (socket: WebSocket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => [...offered].find((p) => !p.startsWith('bearer.')) ?? false });
  wss.on('connection', onConnection);
  await once(wss, 'listening');
  return {
    port: (wss.address() as AddressInfo).port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

describe('checkConformance against broken servers', () => {
  let raw: { port: number; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  it('a server that never sends welcome breaks accept.welcome, and every rule that needs acceptance is reported without being run', async () => {
    raw = await rawServer(() => undefined);
    const started = Date.now();
    const result = await checkConformance(kitOptions(raw.port, () => undefined, { timeout: 300 }));
    expect(result.passed).toBe(false);
    expect(result.rules[0]).toMatchObject({ id: 'accept.welcome', kept: false, detail: expect.stringContaining('nothing came within 300 ms') });
    expect(result.rules.every((rule) => !rule.kept)).toBe(true);
    expect(result.rules[1]!.detail).toMatch(/^not run: the server accepts no connection/);
    // Bounded: one timeout, not one per rule.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a sloppy server that ignores what it does not know, and numbers nothing, breaks exactly those rules', async () => {
    let offset = 0;
    raw = await rawServer((socket) => {
      socket.send(JSON.stringify({ type: 'welcome', connection: '1', ping: 30_000 }));
      socket.on('message', (data) => {
        let frame: { type?: string; id?: string; name?: string; channel?: string };
        try {
          frame = JSON.parse(String(data));
        } catch {
          return; // ignores what is not JSON: breaks malformed.not-json
        }
        if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        // no epoch: breaks every rule that subscribes
        if (frame.type === 'sub' && frame.channel === 'device') socket.send(JSON.stringify({ type: 'subscribed', id: frame.id, offset }));
        if (frame.type === 'sub' && frame.channel !== 'device') socket.send(JSON.stringify({ type: 'error', id: frame.id, code: 'NOPE', message: 'no' }));
        if (frame.type === 'req') socket.send(JSON.stringify({ type: 'res', id: frame.id, error: { code: 'NOT_FOUND', message: `no request ${frame.name}` } }));
        // anything else (unknown types, unsub) is ignored
      });
    });
    const result = await checkConformance(kitOptions(raw.port, () => void (offset += 1), { timeout: 300, quiet: 50, only: ['accept', 'ping', 'sub.subscribed', 'sub.unknown-channel', 'req', 'malformed'] }));
    const verdicts = Object.fromEntries(result.rules.map((rule) => [rule.id, rule.kept]));
    expect(verdicts).toEqual({
      'accept.welcome': true,
      'accept.subprotocol': true,
      'accept.no-subprotocol': true,
      'ping.pong': true,
      'sub.subscribed': false,
      'sub.unknown-channel': false,
      'req.not-found': true,
      'malformed.not-json': false,
      'malformed.not-object': false,
      'malformed.no-type': false,
      'malformed.unknown-type': false,
      'malformed.sub': false,
      'malformed.sub-channel': false,
      'malformed.unsub': false,
      'malformed.req': false,
      'malformed.binary': false,
    });
    const detail = (id: string) => result.rules.find((rule) => rule.id === id)?.detail;
    expect(detail('sub.subscribed')).toContain('has no epoch string');
    expect(detail('sub.unknown-channel')).toContain('expected an error UNKNOWN_CHANNEL');
    expect(detail('malformed.unknown-type')).toContain('still open');
    expect(result.skipped.map((rule) => rule.id)).toEqual(['req.reply', 'req.invalid-payload']);
  });

  it('a server that answers unsub and ends the live subscription on DUPLICATE_ID breaks sub.unsub and sub.duplicate-id, and keeps the rest of the subscription rules it meets', async () => {
    let offset = 0;
    const live = new Map<WebSocket, Set<string>>();
    raw = await rawServer((socket) => {
      const ids = new Set<string>();
      live.set(socket, ids);
      socket.on('close', () => live.delete(socket));
      socket.send(JSON.stringify({ type: 'welcome', connection: '1', ping: 30_000 }));
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; id: string; channel: string };
        const send = (reply: object) => socket.send(JSON.stringify({ ...reply, id: frame.id }));
        if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        if (frame.type === 'unsub') {
          ids.delete(frame.id);
          send({ type: 'unsubscribed' }); // not in the protocol: nothing answers unsub
        }
        if (frame.type !== 'sub') return;
        if (frame.channel !== 'device') return send({ type: 'error', code: 'UNKNOWN_CHANNEL', message: 'no such channel' });
        if (ids.delete(frame.id)) return send({ type: 'error', code: 'DUPLICATE_ID', message: 'taken' }); // and the live one is gone
        ids.add(frame.id);
        send({ type: 'subscribed', epoch: 'E', offset });
      });
    });
    const publish = (_channel: string, _params: unknown, data: unknown) => {
      offset += 1;
      for (const [socket, ids] of live) for (const id of ids) socket.send(JSON.stringify({ type: 'msg', id, offset, data }));
    };
    const result = await checkConformance(kitOptions(raw.port, publish, { timeout: 300, quiet: 50, only: ['sub.subscribed', 'sub.msg', 'sub.canonical-params', 'sub.unsub', 'sub.duplicate-id', 'sub.unknown-channel'] }));
    expect(Object.fromEntries(result.rules.map((rule) => [rule.id, rule.kept]))).toEqual({
      'sub.subscribed': true,
      'sub.msg': true,
      'sub.canonical-params': true,
      'sub.unsub': false,
      'sub.duplicate-id': false,
      'sub.unknown-channel': true,
    });
    const detail = (id: string) => result.rules.find((rule) => rule.id === id)?.detail;
    expect(detail('sub.unsub')).toContain('unsubscribed');
    expect(detail('sub.duplicate-id')).toContain('expected a msg');
  });

  it('a server that closes with the wrong codes breaks the malformed rules, saying which code came', async () => {
    raw = await rawServer((socket) => {
      socket.send(JSON.stringify({ type: 'welcome', connection: '1', ping: 30_000 }));
      socket.on('message', () => socket.close(1011, 'anything goes'));
    });
    const wss = raw;
    const result = await checkConformance(kitOptions(wss.port, () => undefined, { timeout: 300, only: ['malformed.not-json', 'malformed.unknown-type', 'malformed.binary'] }));
    expect(result.rules.map((rule) => [rule.id, rule.kept, rule.detail])).toEqual([
      ['malformed.not-json', false, 'closed with 1011 "anything goes", not 1007'],
      ['malformed.unknown-type', false, 'closed with 1011 "anything goes", not 1002'],
      ['malformed.binary', false, 'closed with 1011 "anything goes", not 1003'],
    ]);
  });

  it('a server that sends batch frames to a client that did not ask breaks sub.batch, and keeps sub.batch-reply', async () => {
    const { server, publish } = await batchingServer('unasked');
    raw = server;
    const result = await checkConformance(kitOptions(server.port, publish, { timeout: 300, quiet: 50, only: ['sub.batch', 'sub.batch-reply'] }));
    expect(result.rules.map((rule) => [rule.id, rule.kept, rule.detail])).toEqual([
      ['sub.batch', false, 'a server `batch` frame came to a client whose `batch` did not ask for batched answers'],
      ['sub.batch-reply', true, undefined],
    ]);
  });

  it('a server whose batch frame is larger than MAX_BATCH_ANSWER_BYTES, or holds the answers out of order, breaks sub.batch-reply', async () => {
    for (const [wrap, detail] of [
      ['huge', /^a server batch frame has 300\d{3} bytes of UTF-8, more than 262144$/],
      ['reversed', /^the answers to the batch came as subscribed \S+, not subscribed \S+$/],
    ] as const) {
      const { server, publish } = await batchingServer(wrap);
      raw = server;
      const result = await checkConformance(kitOptions(server.port, publish, { timeout: 300, quiet: 50, only: ['sub.batch-reply'] }));
      expect(result.rules.map((rule) => [rule.id, rule.kept])).toEqual([['sub.batch-reply', false]]);
      expect(result.rules[0]!.detail).toMatch(detail);
      await server.close();
      raw = undefined;
    }
  });

  it('a server whose batch frame carries something that is not a frame breaks sub.batch-reply, saying what it carried', async () => {
    const { server, publish } = await batchingServer('extra');
    raw = server;
    const result = await checkConformance(kitOptions(server.port, publish, { timeout: 300, quiet: 50, only: ['sub.batch', 'sub.batch-reply'] }));
    expect(result.rules.map((rule) => [rule.id, rule.kept, rule.detail])).toEqual([
      ['sub.batch', true, undefined],
      ['sub.batch-reply', false, 'a server batch frame is malformed: it carries 42, not a frame of the protocol'],
    ]);
  });
});

/**
 * A server that answers batches of subscriptions, carrying the answers in server `batch`
 * frames as `wrap` says: `unasked` to every batch, even one that did not ask; the others
 * only when asked: `extra` with a number among the frames, `huge` with an event of
 * 300,000 characters among them, `reversed` with the answers in reverse order.
 */
async function batchingServer(wrap: 'unasked' | 'extra' | 'huge' | 'reversed') {
  let offset = 0;
  const live = new Map<WebSocket, Set<string>>();
  const server = await rawServer((socket) => {
    const ids = new Set<string>();
    live.set(socket, ids);
    socket.on('close', () => live.delete(socket));
    socket.send(JSON.stringify({ type: 'welcome', connection: '1', ping: 30_000 }));
    socket.on('message', (data) => {
      const batch = JSON.parse(String(data)) as { type: string; frames?: Array<{ type: string; id: string }>; reply?: string };
      if (batch.type !== 'batch') return;
      if (batch.frames?.some((frame) => frame.type !== 'sub' && frame.type !== 'unsub')) return socket.close(1002, 'not a batch of sub and unsub');
      const answers: object[] = [];
      for (const frame of batch.frames ?? []) {
        if (frame.type === 'unsub') ids.delete(frame.id);
        else if (ids.has(frame.id)) answers.push({ type: 'error', id: frame.id, code: 'DUPLICATE_ID', message: 'taken' });
        else answers.push({ type: 'subscribed', id: frame.id, epoch: 'E', offset }), ids.add(frame.id);
      }
      const carried = wrap === 'extra' ? [...answers, 42] : wrap === 'huge' ? [...answers, { type: 'event', name: 'alert', data: 'x'.repeat(300_000) }] : wrap === 'reversed' ? answers.reverse() : answers;
      if (wrap === 'unasked' || batch.reply === 'batch') socket.send(JSON.stringify({ type: 'batch', frames: carried }));
      else for (const answer of answers) socket.send(JSON.stringify(answer));
    });
  });
  const publish = (_channel: string, _params: unknown, data: unknown) => {
    offset += 1;
    for (const [socket, ids] of live) for (const id of ids) socket.send(JSON.stringify({ type: 'msg', id, offset, data }));
  };
  return { server, publish };
}

describe('checkConformance options', () => {
  it('rejects options without a url, a channel or a publish function', async () => {
    await expect(checkConformance({} as ConformanceOptions)).rejects.toMatchObject({ kind: 'INVALID_OPTIONS' });
    await expect(checkConformance({ url: 'ws://127.0.0.1:1' } as ConformanceOptions)).rejects.toMatchObject({ kind: 'INVALID_OPTIONS' });
  });

  it('docs/protocol.md lists every rule in its section on the kit', () => {
    const kitSection = PROTOCOL_MD.slice(PROTOCOL_MD.indexOf('## Conformance kit'));
    for (const id of CONFORMANCE_RULES) expect(kitSection, id).toContain(`\`${id}\``);
  });

  it('lists rule ids that are unique and grouped by area', () => {
    expect(new Set(CONFORMANCE_RULES).size).toBe(CONFORMANCE_RULES.length);
    for (const id of CONFORMANCE_RULES) expect(id).toMatch(/^(accept|auth|http|ping|liveness|sub|req|event|malformed|recovery|limits)\.[a-z.-]+$/);
  });
});
