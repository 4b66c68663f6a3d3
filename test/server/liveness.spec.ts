import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { liveness } from '../../src/server/ws/transport';

/** Just what liveness uses of a socket: ping, terminate, and the pong / close events. */
class FakeSocket extends EventEmitter {
  pings: number[] = [];
  terminated = false;
  constructor(private readonly answers: boolean) {
    super();
  }
  ping(): void {
    this.pings.push(Date.now());
    if (this.answers) queueMicrotask(() => this.emit('pong'));
  }
  terminate(): void {
    this.terminated = true;
    this.emit('close');
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('liveness (native pings)', () => {
  it('pings every socket once per interval, a slice at a time rather than all at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const alive = liveness(30_000);
    const sockets = Array.from({ length: 3000 }, () => new FakeSocket(true));
    for (const socket of sockets) alive.watch(socket as unknown as WebSocket);
    const perTick = new Map<number, number>();
    for (let ms = 0; ms < 90_000; ms += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      perTick.set(ms, sockets.reduce((n, s) => n + s.pings.filter((at) => at > ms && at <= ms + 1000).length, 0));
    }
    // 3 periods: every socket pinged 3 times, one period apart, never more than a 30th of them in one tick.
    for (const socket of sockets) {
      expect(socket.pings).toHaveLength(3);
      expect(socket.pings[1]! - socket.pings[0]!).toBe(30_000);
      expect(socket.terminated).toBe(false);
    }
    expect(Math.max(...perTick.values())).toBe(100);
    alive.stop();
  });

  it('terminates a socket that did not answer its ping within one interval, and stops pinging a closed one', async () => {
    vi.useFakeTimers({ now: 0 });
    const alive = liveness(100);
    const deaf = new FakeSocket(false);
    const good = new FakeSocket(true);
    const gone = new FakeSocket(true);
    for (const socket of [deaf, good, gone]) alive.watch(socket as unknown as WebSocket);
    gone.emit('close');
    await vi.advanceTimersByTimeAsync(100);
    expect(deaf.pings).toHaveLength(1);
    expect(deaf.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(deaf.terminated).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(good.terminated).toBe(false);
    expect(good.pings).toHaveLength(12);
    expect(gone.pings).toHaveLength(0);
    alive.stop();
  });
});
