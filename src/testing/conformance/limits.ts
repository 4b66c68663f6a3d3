import { Broken, ensure, show } from './broken';
import { expectResError } from './requests';
import { expectError } from './subscriptions';
import { nested, type RuleSpec } from './rule';
import { describeClose } from './peer';

/** The rate limit in force, given or rxwire's default, for pacing bursts below it. */
function rateOf(limits: { rate?: { messages: number } } | undefined): number {
  return limits?.rate?.messages ?? 2000;
}

/** The limits: subscriptions, rate, frame size and depth, connections per address. */
export const limitRules: readonly RuleSpec[] = [
  {
    id: 'limits.max-subscriptions',
    section: 'limits',
    description: 'One `sub` beyond `maxSubscriptions` live on a connection is refused with `TOO_MANY_SUBSCRIPTIONS`; after an `unsub` there is room again.',
    skip: (options) => {
      const max = options.limits?.maxSubscriptions;
      if (max === undefined) return 'limits.maxSubscriptions not given';
      if (max > 2000) return 'maxSubscriptions above 2,000';
      return max + 4 < rateOf(options.limits) ? undefined : 'maxSubscriptions is not below the rate limit';
    },
    check: async (kit) => {
      const peer = await kit.connect();
      const max = kit.options.limits!.maxSubscriptions!;
      const ids = Array.from({ length: max }, () => kit.id());
      for (const id of ids) peer.send({ type: 'sub', id, channel: kit.options.channel.name, params: kit.options.channel.params });
      for (const id of ids) {
        const frame = await kit.nextFor(peer, id, `"subscribed" for "${id}"`);
        ensure(frame.type === 'subscribed', `sub ${ids.indexOf(id) + 1} of ${max} was answered with ${show(frame)}`);
      }
      const over = kit.id();
      peer.send({ type: 'sub', id: over, channel: kit.options.channel.name, params: kit.options.channel.params });
      await expectError(kit, peer, over, 'TOO_MANY_SUBSCRIPTIONS');
      if (max === 0) return;
      peer.send({ type: 'unsub', id: ids[0] });
      await kit.subscribe(peer, over);
    },
  },
  {
    id: 'limits.rate',
    section: 'limits',
    description: 'More frames than `rate.messages` in a burst close the connection with 1008.',
    skip: (options) => {
      const rate = options.limits?.rate;
      if (rate === undefined) return 'limits.rate not given';
      return rate.messages <= 10_000 ? undefined : 'rate.messages above 10,000';
    },
    check: async (kit) => {
      const peer = await kit.connect();
      const burst = 2 * kit.options.limits!.rate!.messages + 10;
      const ping = JSON.stringify({ type: 'ping' });
      for (let i = 0; i < burst; i++) peer.send(ping);
      const closed = await peer.closed('a close with 1008', kit.options.timeout);
      ensure(closed.code === 1008, `closed with ${describeClose(closed)}, not 1008`);
    },
  },
  {
    id: 'limits.max-payload',
    section: 'limits',
    description: 'A frame larger than `maxPayload` bytes closes the connection with 1009.',
    skip: (options) => {
      const max = options.limits?.maxPayload;
      if (max === undefined) return 'limits.maxPayload not given';
      return max <= 16 * 1024 * 1024 ? undefined : 'maxPayload above 16 MiB';
    },
    check: async (kit) => {
      const peer = await kit.connect();
      const max = kit.options.limits!.maxPayload!;
      const frame = JSON.stringify({ type: 'ping', pad: '' });
      await kit.expectClose(peer, frame.replace('""', JSON.stringify('x'.repeat(Math.max(0, max + 1 - frame.length)))), 1009);
    },
  },
  depthRule('limits.max-depth.sub', 'A `sub` nested deeper than `maxDepth` (the envelope counting as one level) is refused with `TOO_DEEP`; one at the limit is not; the connection stays.', async (kit, max) => {
    const peer = await kit.connect();
    const { name } = kit.options.channel;
    const deep = kit.id();
    peer.send({ type: 'sub', id: deep, channel: name, params: nested(max) });
    await expectError(kit, peer, deep, 'TOO_DEEP');
    const atLimit = kit.id();
    peer.send({ type: 'sub', id: atLimit, channel: name, params: nested(max - 1) });
    const frame = await kit.nextFor(peer, atLimit, `an answer to a sub at the depth limit`);
    ensure(frame.code !== 'TOO_DEEP', `a sub exactly at the limit (${max} levels) was refused as too deep: ${show(frame)}`);
    await kit.stillUp(peer);
  }),
  depthRule('limits.max-depth.req', 'A `req` nested deeper than `maxDepth` is answered with a `res` whose `error.code` is `TOO_DEEP`; the connection stays.', async (kit, max) => {
    const peer = await kit.connect();
    const id = kit.id();
    peer.send({ type: 'req', id, name: kit.options.request?.name ?? '__conformance_no_such_request', payload: nested(max) });
    expectResError(await kit.nextFor(peer, id, `a res for "${id}"`), 'TOO_DEEP');
    await kit.stillUp(peer);
  }),
  depthRule('limits.max-depth.other', 'Any other frame nested deeper than `maxDepth` closes the connection with 1007.', async (kit, max) => {
    await kit.expectClose(await kit.connect(), { type: 'ping', pad: nested(max) }, 1007);
  }),
  {
    id: 'limits.connections-per-address',
    section: 'limits',
    description: 'One connection beyond `maxConnectionsPerAddress` from one address is refused at the upgrade with HTTP 503.',
    needsAcceptance: true,
    skip: (options) => {
      const max = options.limits?.maxConnectionsPerAddress;
      if (max === undefined) return 'limits.maxConnectionsPerAddress not given';
      return max <= 100 ? undefined : 'maxConnectionsPerAddress above 100';
    },
    check: async (kit) => {
      const max = kit.options.limits!.maxConnectionsPerAddress!;
      for (let i = 0; i < max; i++) {
        // Connections of the rules before may still be closing on the server's side: a
        // 503 within the limit is retried a few times before it counts.
        for (let tries = 1; ; tries++) {
          const attempt = await kit.attempt();
          if (attempt.kind === 'open') break;
          if (attempt.kind !== 'http' || attempt.status !== 503 || tries === 5) throw new Broken(`connection ${i + 1} of ${max} was refused: ${attempt.kind === 'http' ? `HTTP ${attempt.status}` : attempt.message}`);
          await new Promise((resolve) => setTimeout(resolve, kit.options.quiet));
        }
      }
      const attempt = await kit.attempt();
      if (attempt.kind === 'http') return ensure(attempt.status === 503, `refused with HTTP ${attempt.status}, not 503`);
      throw new Broken(attempt.kind === 'open' ? `connection ${max + 1} was accepted` : `connection ${max + 1} failed: ${attempt.message}`);
    },
  },
];

function depthRule(id: string, description: string, check: (kit: Parameters<RuleSpec['check']>[0], max: number) => Promise<void>): RuleSpec {
  return {
    id,
    section: 'limits',
    description,
    skip: (options) => {
      const max = options.limits?.maxDepth;
      if (max === undefined) return 'limits.maxDepth not given';
      return max <= 1000 && max >= 2 ? undefined : 'maxDepth not within 2..1,000';
    },
    check: (kit) => check(kit, kit.options.limits!.maxDepth!),
  };
}
