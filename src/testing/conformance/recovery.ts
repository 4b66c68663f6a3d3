import { ensure, sameJson, show } from './broken';
import type { Kit } from './kit';
import type { Frame, RawPeer } from './peer';
import type { RuleSpec } from './rule';
import { expectMsg } from './subscriptions';

/** An epoch no server made. */
const UNKNOWN_EPOCH = 'conformance-unknown-epoch';

/** Recovery with `since`: replay, gaps, the order of `subscribed`, `gap` and messages. */
export const recoveryRules: readonly RuleSpec[] = [
  {
    id: 'recovery.replay',
    section: 'stream-positions-and-recovery',
    description: '`sub` with `since` in the current epoch: `subscribed` with the current position, then every message after `since.offset` in order, without a `gap`, then live messages.',
    check: async (kit) => {
      const first = await kit.connect();
      const id = kit.id();
      const at = await kit.subscribe(first, id);
      const data = [await kit.publish(), await kit.publish()];
      await expectMsg(kit, first, id, at, data[0]);
      first.terminate();
      data.push(await kit.publish());
      const again = await kit.connect();
      const resumed = kit.id();
      const now = await kit.subscribe(again, resumed, { since: { epoch: at.epoch, offset: at.offset + 1 } });
      ensure(now.epoch === at.epoch && now.offset === at.offset + 3, `expected "subscribed" at ${show({ epoch: at.epoch, offset: at.offset + 3 })}, got ${show(now)}`);
      await expectMsg(kit, again, resumed, { epoch: at.epoch, offset: at.offset + 1 }, data[1]);
      await expectMsg(kit, again, resumed, { epoch: at.epoch, offset: at.offset + 2 }, data[2]);
      await expectMsg(kit, again, resumed, now, await kit.publish());
    },
  },
  {
    id: 'recovery.since-current',
    section: 'stream-positions-and-recovery',
    description: '`sub` with `since` at the stream\'s current position: `subscribed` at that position, nothing replayed, then live messages.',
    check: async (kit) => {
      const peer = await kit.connect();
      const at = await kit.subscribe(peer, kit.id());
      const id = kit.id();
      const now = await kit.subscribe(peer, id, { since: at });
      ensure(now.epoch === at.epoch && now.offset === at.offset, `expected "subscribed" at ${show(at)}, got ${show(now)}`);
      const early = await peer.quiet(kit.options.quiet, (frame) => frame.id === id);
      ensure(early.length === 0, `frames came with nothing to replay: ${show(early)}`);
      await expectMsg(kit, peer, id, now, await kit.publish());
    },
  },
  {
    id: 'recovery.gap-epoch',
    section: 'stream-positions-and-recovery',
    description: '`sub` with `since` in another epoch: `subscribed` with the current position, then one `gap` with the current `epoch` and no `lost`, then what the epoch still holds, in order from its start.',
    check: async (kit) => {
      await kit.publish(); // the stream has a message to replay
      const peer = await kit.connect();
      const id = kit.id();
      const now = await kit.subscribe(peer, id, { since: { epoch: UNKNOWN_EPOCH, offset: 5 } });
      ensure(now.epoch !== UNKNOWN_EPOCH, `"subscribed" states the unknown epoch: ${show(now)}`);
      const gap = await kit.nextFor(peer, id, `a gap for "${id}"`);
      ensure(gap.type === 'gap' && gap.epoch === now.epoch, `expected a gap in epoch ${now.epoch} right after "subscribed", got ${show(gap)}`);
      ensure(gap.lost === undefined, `a gap across epochs cannot know how many were lost, but says lost: ${show(gap)}`);
      const range = rangeOf(gap);
      await replayed(kit, peer, id, range ? range.to : 0, now.offset);
    },
  },
  {
    id: 'recovery.gap-range',
    section: 'stream-positions-and-recovery',
    description: '`sub` with `since` older than the history reaches: `subscribed`, then one `gap` with `from`, `to` and `lost` (the offsets gone), then the messages still held.',
    skip: (options) => {
      const size = options.limits?.historySize;
      if (size === undefined) return 'limits.historySize not given';
      return size <= 1000 ? undefined : 'historySize above 1,000';
    },
    check: async (kit) => {
      const size = kit.options.limits!.historySize!;
      const first = await kit.connect();
      const at = await kit.subscribe(first, kit.id());
      first.terminate();
      const data: unknown[] = [];
      for (let i = 0; i < size + 2; i++) data.push(await kit.publish());
      const again = await kit.connect();
      const id = kit.id();
      const now = await kit.subscribe(again, id, { since: at });
      ensure(now.epoch === at.epoch && now.offset === at.offset + size + 2, `expected "subscribed" at ${show({ epoch: at.epoch, offset: at.offset + size + 2 })}, got ${show(now)}`);
      const gap = await kit.nextFor(again, id, `a gap for "${id}"`);
      const lost = { type: 'gap', id, epoch: at.epoch, from: at.offset + 1, to: at.offset + 2, lost: 2 };
      ensure(sameJson(gap, lost), `expected ${show(lost)}, got ${show(gap)}`);
      let offset = at.offset + 2;
      for (const value of data.slice(2)) offset = Number((await expectMsg(kit, again, id, { epoch: at.epoch, offset }, value)).offset);
    },
  },
];

/** `from`..`to` of a gap, checked (both or neither, `1 <= from <= to`). */
function rangeOf(gap: Frame): { from: number; to: number } | undefined {
  const { from, to } = gap;
  if (from === undefined && to === undefined) return undefined;
  ensure(Number.isSafeInteger(from) && Number.isSafeInteger(to) && 1 <= (from as number) && (from as number) <= (to as number), `a gap's from..to must be integers with 1 <= from <= to: ${show(gap)}`);
  return { from: from as number, to: to as number };
}

/** The messages of `id` after `after` up to `upTo` arrive in order, each offset one more than the last. */
async function replayed(kit: Kit, peer: RawPeer, id: string, after: number, upTo: number): Promise<void> {
  for (let offset = after + 1; offset <= upTo; offset++) {
    const frame = await kit.nextFor(peer, id, `the replay of offset ${offset} for "${id}"`);
    ensure(frame.type === 'msg' && frame.offset === offset, `expected the msg at offset ${offset}, got ${show(frame)}`);
  }
  const more = await peer.quiet(kit.options.quiet, (frame) => frame.id === id);
  ensure(more.length === 0, `more frames than the epoch holds: ${show(more)}`);
}
