import { ensure, sameJson, show } from './broken';
import type { Frame, RawPeer } from './peer';
import type { Kit, Subscribed } from './kit';
import type { RuleSpec } from './rule';
import { MAX_BATCH_ANSWER_BYTES } from '../../protocol/jsonEnvelope';

/** A channel no server has. */
export const NO_SUCH_CHANNEL = '__conformance_no_such_channel';

/** `subscribe`, `subscribed`, `msg`, `unsub`, ids, canonical params and refusals. */
export const subscriptionRules: readonly RuleSpec[] = [
  {
    id: 'sub.subscribed',
    section: 'sub',
    description: 'A `sub` with valid params is answered with `subscribed` under its id, with the stream\'s `epoch` (a string) and `offset` (an integer >= 0).',
    check: async (kit) => void (await kit.subscribe(await kit.connect(), kit.id())),
  },
  {
    id: 'sub.msg',
    section: 'frames-from-the-server',
    description: 'A message published after `subscribed` arrives as `msg` under the subscription\'s id, with the next offset and the data published; `epoch` only when it changes.',
    check: async (kit) => {
      const peer = await kit.connect();
      const id = kit.id();
      const at = await kit.subscribe(peer, id);
      await expectMsg(kit, peer, id, at, await kit.publish());
    },
  },
  {
    id: 'sub.canonical-params',
    section: 'subscriptions',
    description: 'Params that differ only by key order or by keys their codec does not declare name the same stream: same position, same messages.',
    skip: (options) => (isPlainObject(options.channel.params) ? undefined : 'the channel\'s params are not an object'),
    check: async (kit) => {
      const peer = await kit.connect();
      const [first, second] = [kit.id(), kit.id()];
      const params = kit.options.channel.params as Record<string, unknown>;
      const at = await kit.subscribe(peer, first);
      const reordered = Object.fromEntries([['__conformance_undeclared', 1], ...Object.entries(params).reverse()]);
      const same = await kit.subscribe(peer, second, { params: reordered });
      ensure(same.epoch === at.epoch && same.offset === at.offset, `${show(reordered)} is at ${show(same)}, ${show(params)} at ${show(at)}: not the same stream`);
      const data = await kit.publish();
      await expectMsg(kit, peer, first, at, data);
      await expectMsg(kit, peer, second, at, data);
    },
  },
  {
    id: 'sub.unsub',
    section: 'unsub',
    description: '`unsub` is not answered; no `msg` of that id follows; the id can be used again at once; an `unsub` of an unknown id is ignored.',
    check: async (kit) => {
      const peer = await kit.connect();
      const id = kit.id();
      await kit.subscribe(peer, id);
      peer.send({ type: 'unsub', id });
      peer.send({ type: 'unsub', id: '__conformance_never_subscribed' });
      await kit.stillUp(peer);
      await kit.publish();
      const after = await peer.quiet(kit.options.quiet, (frame) => frame.id === id || frame.id === '__conformance_never_subscribed');
      ensure(after.length === 0, `after unsub, frames of the id still came: ${show(after)}`);
      await kit.subscribe(peer, id);
    },
  },
  {
    id: 'sub.batch',
    section: 'batch',
    description: 'A `batch` of `sub` and `unsub` frames is handled in order, each answered alone as if it had come alone (no server `batch`: it did not ask); a `batch` holding anything else closes with 1002.',
    check: async (kit) => {
      const peer = await kit.connect();
      const [first, second] = [kit.id(), kit.id()];
      const { name, params } = kit.options.channel;
      const sub = (id: string) => ({ type: 'sub', id, channel: name, params });
      const unasked = () => ensure(peer.unaskedBatches === 0, 'a server `batch` frame came to a client whose `batch` did not ask for batched answers');
      peer.send({ type: 'batch', frames: [sub(first), sub(second), { type: 'unsub', id: first }] });
      await explained(unasked, async () => {
        await answersInOrder(kit, peer, [first, second], [`subscribed ${first}`, `subscribed ${second}`]);
        const data = await kit.publish();
        const got = await kit.nextFor(peer, second, `the "msg" of "${second}" after the batch`);
        ensure(got.type === 'msg' && sameJson(got.data, data), `"${second}" got ${show(got)} after the batch, not the message published`);
        const late = await peer.quiet(kit.options.quiet, (frame) => frame.id === first || frame.id === second);
        ensure(late.length === 0, `after the batch and its message, more frames of its ids came: ${show(late)}`);
      });
      unasked();
      await kit.expectClose(await kit.connect(), { type: 'batch', frames: [{ type: 'ping' }] }, 1002);
    },
  },
  {
    id: 'sub.batch-reply',
    section: 'batch',
    description: `A \`batch\` asking for batched answers (\`"reply":"batch"\`) is answered as if its frames had come alone, in order; the answers may come in server \`batch\` frames, each an array of whole frames of the protocol (no \`batch\` inside) of at most ${MAX_BATCH_ANSWER_BYTES.toLocaleString('en')} bytes of UTF-8.`,
    check: async (kit) => {
      const peer = await kit.connect();
      peer.readsBatches = true;
      const ids = [kit.id(), kit.id(), kit.id()];
      const [a, b, c] = ids as [string, string, string];
      const { name, params } = kit.options.channel;
      const sub = (id: string) => ({ type: 'sub', id, channel: name, params });
      const wellFormed = () => {
        for (const batch of peer.batches) {
          ensure(batch.wrong === undefined, `a server batch frame is malformed: ${batch.wrong}`);
          ensure(batch.bytes <= MAX_BATCH_ANSWER_BYTES, `a server batch frame has ${batch.bytes} bytes of UTF-8, more than ${MAX_BATCH_ANSWER_BYTES}`);
        }
      };
      // `a` is left within the batch; the second `sub` of `b` is refused as a duplicate (an
      // error is an answer like any other) and `b` goes on.
      peer.send({ type: 'batch', frames: [sub(a), sub(b), { type: 'unsub', id: a }, sub(b), sub(c)], reply: 'batch' });
      await explained(wellFormed, async () => {
        const answers = await answersInOrder(kit, peer, ids, [`subscribed ${a}`, `subscribed ${b}`, `error ${b}`, `subscribed ${c}`]);
        ensure(answers[2]!.code === 'DUPLICATE_ID', `the second sub "${b}" of the batch was answered with ${show(answers[2])}, not an error DUPLICATE_ID`);
        const data = await kit.publish();
        for (const id of [b, c]) {
          const got = await kit.nextFor(peer, id, `the "msg" of "${id}" after the batch`);
          ensure(got.type === 'msg' && sameJson(got.data, data), `"${id}" got ${show(got)} after the batch, not the message published`);
        }
        const late = await peer.quiet(kit.options.quiet, (frame) => ids.includes(frame.id as string));
        ensure(late.length === 0, `after the batch and its message, more frames of its ids came: ${show(late)}`);
      });
      wellFormed();
    },
  },
  {
    id: 'sub.duplicate-id',
    section: 'subscriptions',
    description: 'A `sub` reusing a live id is refused with `DUPLICATE_ID` under that id, and the live subscription goes on.',
    check: async (kit) => {
      const peer = await kit.connect();
      const id = kit.id();
      const at = await kit.subscribe(peer, id);
      peer.send({ type: 'sub', id, channel: kit.options.channel.name, params: kit.options.channel.params });
      await expectError(kit, peer, id, 'DUPLICATE_ID');
      await expectMsg(kit, peer, id, at, await kit.publish());
      const extra = await peer.quiet(kit.options.quiet, (frame) => frame.id === id);
      ensure(extra.length === 0, `more frames of the id came: ${show(extra)}`);
    },
  },
  refusalRule('sub.unknown-channel', 'A `sub` of a channel the server does not have is refused with `UNKNOWN_CHANNEL`; the connection stays and the id is free again.', 'UNKNOWN_CHANNEL', (kit) => ({
    channel: NO_SUCH_CHANNEL,
    params: kit.options.channel.params,
  })),
  {
    ...refusalRule('sub.invalid-params', 'A `sub` whose params fail the channel\'s codec is refused with `INVALID_PARAMS`; the connection stays.', 'INVALID_PARAMS', (kit) => ({
      channel: kit.options.channel.name,
      params: kit.options.channel.invalidParams,
    })),
    skip: (options) => ('invalidParams' in options.channel ? undefined : 'channel.invalidParams not given'),
  },
  {
    ...refusalRule('sub.forbidden', 'A `sub` that the server\'s authorization refuses is refused with `FORBIDDEN`; the connection stays.', 'FORBIDDEN', (kit) => kit.options.forbidden!),
    skip: (options) => (options.forbidden ? undefined : 'forbidden not given'),
  },
  {
    id: 'sub.invalid-since',
    section: 'sub',
    description: 'A `since` that is not a position (`epoch` a string of 1 to 64 characters, `offset` an integer >= 0) is refused with `INVALID_SINCE`; the connection stays.',
    check: async (kit) => {
      const peer = await kit.connect();
      const { name, params } = kit.options.channel;
      for (const since of [{ epoch: 'e', offset: -1 }, { epoch: '', offset: 0 }, { epoch: 'x'.repeat(65), offset: 0 }, { epoch: 'e', offset: 1.5 }, 'e:1', null]) {
        const id = kit.id();
        peer.send({ type: 'sub', id, channel: name, params, since });
        await expectError(kit, peer, id, 'INVALID_SINCE', `since ${show(since)}`);
      }
      await kit.stillUp(peer);
    },
  },
  {
    id: 'sub.since-beyond',
    section: 'stream-positions-and-recovery',
    description: 'A `since` in the stream\'s current epoch with an offset beyond the stream\'s is refused with `INVALID_SINCE`.',
    check: async (kit) => {
      const peer = await kit.connect();
      const at = await kit.subscribe(peer, kit.id());
      const id = kit.id();
      peer.send({ type: 'sub', id, channel: kit.options.channel.name, params: kit.options.channel.params, since: { epoch: at.epoch, offset: at.offset + 1000 } });
      await expectError(kit, peer, id, 'INVALID_SINCE');
    },
  },
];

/** A rule that a `sub` built by `target` is refused with `code`, the connection stays, and the id is free again. */
function refusalRule(id: string, description: string, code: string, target: (kit: Kit) => { channel: string; params: unknown }): RuleSpec {
  return {
    id,
    section: 'sub',
    description,
    check: async (kit) => {
      const peer = await kit.connect();
      const subscription = kit.id();
      const { channel, params } = target(kit);
      peer.send({ type: 'sub', id: subscription, channel, params });
      await expectError(kit, peer, subscription, code);
      const after = await peer.quiet(kit.options.quiet, (frame) => frame.id === subscription);
      ensure(after.length === 0, `more frames came for the refused id: ${show(after)}`);
      await kit.subscribe(peer, subscription);
    },
  };
}

/** The next frame of `id` is an `error` with `code` and a string `message`. */
export async function expectError(kit: Kit, peer: RawPeer, id: string, code: string, what = ''): Promise<void> {
  const frame = await kit.nextFor(peer, id, `an error ${code} for "${id}"${what ? ` (${what})` : ''}`);
  ensure(frame.type === 'error' && frame.code === code, `${what ? `${what}: ` : ''}expected an error ${code} for "${id}", got ${show(frame)}`);
  ensure(typeof frame.message === 'string', `the error has no string "message": ${show(frame)}`);
}

/** The next frame of `id` is the `msg` right after `at` (offset + 1, same epoch), with `data`. */
export async function expectMsg(kit: Kit, peer: RawPeer, id: string, at: Subscribed, data: unknown): Promise<Frame> {
  const frame = await kit.nextFor(peer, id, `a msg for "${id}"`);
  ensure(frame.type === 'msg', `expected a msg for "${id}", got ${show(frame)}`);
  ensure(frame.offset === at.offset + 1, `expected offset ${at.offset + 1} (after ${at.offset}), got ${show(frame)}`);
  ensure(frame.epoch === undefined || frame.epoch === at.epoch, `a msg in the same epoch carries another epoch: ${show(frame)}`);
  ensure(sameJson(frame.data, data), `expected data ${show(data)}, got ${show(frame)}`);
  return frame;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The next frames of `ids`, in the order they come, which must read `expected` (each
 * "type id"); returns them.
 */
async function answersInOrder(kit: Kit, peer: RawPeer, ids: readonly string[], expected: readonly string[]): Promise<Frame[]> {
  const got: Frame[] = [];
  const seen = () => got.map((frame) => `${String(frame.type)} ${String(frame.id)}`);
  for (const what of expected) {
    got.push(await peer.take((frame) => ids.includes(frame.id as string), `${what} (the answers to the batch, in order, after ${seen().join(', ') || 'nothing'})`, kit.options.timeout));
    ensure(seen().at(-1) === what, `the answers to the batch came as ${seen().join(', ')}, not ${expected.slice(0, got.length).join(', ')}`);
  }
  return got;
}

/** Runs `steps`; when one breaks, `first` gets to say why instead, if it finds the cause (a malformed or unasked batch frame). */
async function explained(first: () => void, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    first();
    throw error;
  }
}
