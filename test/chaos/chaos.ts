/**
 * The chaos run: a publisher sends sequenced messages on many channels while fault
 * proxies (one per client) inject random faults; at the end every client must hold
 * every message exactly once and in order per channel, or an explicit gap notice for
 * what was lost beyond recovery. Bounded by a fault count and a time limit.
 */
import WebSocket from 'ws';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient } from '../../src/client/createClient';
import type { GapNotice } from '../../src/client/types';
import type { Client } from '../../src/client/types';
import { HeartbeatTimeoutError, ConnectTimeoutError } from '../../src/protocol/errors';
import { createServer, memoryBroker } from '../../src/server';
import { createFaultProxy, type FaultProxy } from '../../src/testing';
import { smartHome } from '../support/smartHome';
import { statsNow } from '../support/stats';

export interface ChaosOptions {
  clients: number;
  channels: number;
  /** Total faults to inject over all proxies. */
  faults: number;
  /** Hard limit on the run, in milliseconds. */
  timeLimitMs: number;
  /** Messages kept per channel for recovery (a small history produces gap notices). */
  historySize: number;
  heartbeat: { interval: number; timeout: number };
  /** Called every second with the heap in use, for the soak's memory report. */
  onSample?: (sample: { seconds: number; heapMB: number; faults: number; published: number }) => void;
}

export interface ChaosFigures {
  faults: Record<string, number>;
  faultsTotal: number;
  reconnects: number;
  published: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  gapNotices: number;
  messagesInGaps: number;
  halfOpens: number;
  worstDetectionMs: number;
  undetectedHalfOpens: number;
  /** Holes that swallowed a reconnect under way (caught by connectTimeout), not counted as half-opens. */
  swallowedAttempts: number;
  /** The worst delay of the process's event loop during the run: part of every detection time. */
  maxEventLoopLagMs: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const started = Date.now();
  const deadline = started + options.timeLimitMs;
  // Faults and publishing stop early enough to leave a fifth of the time (at least 5 s)
  // for every client to settle: what it has not received by the deadline counts as lost.
  const faultsUntil = deadline - Math.max(5000, options.timeLimitMs / 5);
  const server = await createServer({ protocol: smartHome, port: 0, broker: memoryBroker({ historySize: options.historySize }) });
  const proxies: FaultProxy[] = [];
  const clients: Array<Client<typeof smartHome>> = [];
  const received: Array<Map<string, number[]>> = [];
  const gaps: GapNotice[][] = [];
  const lastSeq = new Map<string, number>(); // channel -> the number of the last message published
  const firstOffset = new Map<string, number>(); // channel -> the broker's offset of message 1
  const faults: Record<string, number> = { drop: 0, cut: 0, blackhole: 0, latency: 0, refuse: 0 };
  let faultsTotal = 0;
  let reconnects = 0;
  let published = 0;
  let worstDetectionMs = 0;
  let halfOpens = 0;
  let undetectedHalfOpens = 0;
  const timeouts: number[][] = [];
  const connectTimeouts: number[][] = [];
  let swallowedAttempts = 0;
  const isOpen: boolean[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  try {
    for (let i = 0; i < options.clients; i++) {
      const proxy = await createFaultProxy({ target: { port: server.port } });
      proxies.push(proxy);
      const client = createClient({
        url: `ws://127.0.0.1:${proxy.port}`,
        WebSocketCtor: WebSocket as never,
        protocol: smartHome,
        reconnect: { initialDelay: 10, maxDelay: 100 },
        heartbeat: options.heartbeat,
        // Connecting has its own deadline: a hole that swallows a reconnect under way
        // (the state still said open when it was made) is caught by it, not by the heartbeat.
        connectTimeout: 4 * (options.heartbeat.interval + options.heartbeat.timeout),
        requestTimeout: 2000,
      });
      clients.push(client);
      const mine = new Map<string, number[]>();
      received.push(mine);
      gaps.push([]);
      timeouts.push([]);
      connectTimeouts.push([]);
      client.gaps$.subscribe((g) => gaps[i]!.push(g));
      // The client noticed a silence on an open connection (heartbeat), or on an attempt
      // the hole swallowed (connectTimeout).
      client.errors$.subscribe((e) => {
        if (e instanceof HeartbeatTimeoutError) timeouts[i]!.push(Date.now());
        if (e instanceof ConnectTimeoutError) connectTimeouts[i]!.push(Date.now());
      });
      client.stats$.subscribe();
      isOpen.push(false);
      client.state$.subscribe((s) => (isOpen[i] = s.status === 'open'));
      for (let ch = 0; ch < options.channels; ch++) {
        const id = `dev-${ch}`;
        mine.set(id, []);
        client.channel('device', { id }).subscribe({ next: (m) => mine.get(id)!.push(m.temperature), error: () => undefined });
      }
    }
    // Wait until every subscription is live before publishing.
    const expected = options.clients * options.channels;
    while (Date.now() < deadline) {
      if (statsNow(server.stats$).subscriptions >= expected) break;
      await sleep(20);
    }

    // The publisher: round-robin over the channels, the message's temperature is its number.
    let publishing = true;
    const publisher = (async () => {
      let ch = 0;
      while (publishing && Date.now() < faultsUntil) {
        const id = `dev-${ch}`;
        const seq = (lastSeq.get(id) ?? 0) + 1;
        const assigned = await server.publish('device', { id }, { id, temperature: seq });
        if (!firstOffset.has(id)) firstOffset.set(id, assigned.offset);
        lastSeq.set(id, seq);
        published += 1;
        ch = (ch + 1) % options.channels;
        if (published % 20 === 0) await sleep(1);
      }
    })();

    // The fault injectors: one per proxy, random faults at random intervals.
    const perProxy = Math.ceil(options.faults / proxies.length);
    const sampler = setInterval(() => {
      options.onSample?.({ seconds: Math.round((Date.now() - started) / 1000), heapMB: Math.round(process.memoryUsage().heapUsed / 1048576), faults: faultsTotal, published });
    }, 1000);
    await Promise.all(
      proxies.map(async (proxy, i) => {
        for (let n = 0; n < perProxy && faultsTotal < options.faults && Date.now() < faultsUntil; n++) {
          await sleep(10 + Math.random() * 40);
          const roll = Math.random();
          faultsTotal += 1;
          if (roll < 0.4) {
            faults.drop! += 1;
            proxy.drop();
          } else if (roll < 0.6) {
            faults.cut! += 1;
            proxy.cutMidFrame();
          } else if (roll < 0.75) {
            faults.blackhole! += 1;
            // Only a hole over an open connection makes it half-open; otherwise it just delays a connect.
            const measured = isOpen[i]!;
            if (measured) halfOpens += 1;
            const since = Date.now();
            const seen = timeouts[i]!.length;
            const seenConnects = connectTimeouts[i]!.length;
            proxy.blackhole(true);
            // Hold the hole until the client notices, or for 2 s: long past interval + timeout
            // even with the event-loop lag of this busy process.
            while (timeouts[i]!.length === seen && connectTimeouts[i]!.length === seenConnects && Date.now() - since < 2000 && Date.now() < deadline) await sleep(5);
            if (timeouts[i]!.length === seen && connectTimeouts[i]!.length > seenConnects) {
              // The state said open, but the connection was already being replaced: the hole
              // swallowed the new attempt, which connectTimeout caught. Not a half-open connection.
              if (measured) halfOpens -= 1;
              swallowedAttempts += 1;
            } else if (timeouts[i]!.length > seen) {
              if (measured) worstDetectionMs = Math.max(worstDetectionMs, timeouts[i]![seen]! - since);
            } else if (measured) undetectedHalfOpens += 1;
            proxy.blackhole(false);
          } else if (roll < 0.9) {
            faults.latency! += 1;
            proxy.latency(Math.random() * 50, Math.random() * 20);
            await sleep(50);
            proxy.latency(0);
          } else {
            faults.refuse! += 1;
            proxy.refuse(true);
            proxy.drop();
            await sleep(30);
            proxy.refuse(false);
          }
        }
      }),
    );
    clearInterval(sampler);
    publishing = false;
    await publisher;

    // Let every client settle: all received, or the time limit.
    const complete = (i: number) =>
      [...lastSeq].every(([id, last]) => {
        const got = received[i]!.get(id)!;
        const missing = gaps[i]!.filter((g) => (g.params as { id: string }).id === id).reduce((n, g) => n + (g.lost ?? 0), 0);
        return got.length + missing >= last;
      });
    while (Date.now() < deadline && !clients.every((_, i) => complete(i))) await sleep(20);

    // The verdict, per client and channel.
    let delivered = 0;
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let messagesInGaps = 0;
    for (let i = 0; i < clients.length; i++) {
      reconnects += statsNow(clients[i]!.stats$).reconnects;
      for (const [id, last] of lastSeq) {
        const got = received[i]!.get(id)!;
        delivered += got.length;
        const base = firstOffset.get(id)! - 1; // the broker's offset for message 1 of this channel (one epoch all along)
        const inGap = new Set<number>();
        for (const g of gaps[i]!.filter((x) => (x.params as { id: string }).id === id)) {
          for (let s = g.from ?? 1; s <= (g.to ?? 0); s++) inGap.add(s - base);
        }
        messagesInGaps += inGap.size;
        const seen = new Set<number>();
        let previous = 0;
        for (const n of got) {
          if (seen.has(n)) duplicated += 1;
          if (n < previous) outOfOrder += 1;
          seen.add(n);
          previous = n;
        }
        for (let n = 1; n <= last; n++) if (!seen.has(n) && !inGap.has(n)) lost += 1;
      }
    }
    return {
      faults,
      faultsTotal,
      reconnects,
      published,
      delivered,
      lost,
      duplicated,
      outOfOrder,
      gapNotices: gaps.reduce((n, g) => n + g.length, 0),
      messagesInGaps,
      halfOpens,
      worstDetectionMs,
      undetectedHalfOpens,
      swallowedAttempts,
      maxEventLoopLagMs: Math.round(lag.max / 1e6),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    lag.disable();
    for (const c of clients) c.close();
    for (const p of proxies) await p.close();
    await server.close();
  }
}
