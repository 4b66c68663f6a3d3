import type { RuleSpec } from './rule';

/** A rule that `frame` (built from the options) closes the connection with `code`. */
function closes(id: string, description: string, code: number, frame: (channel: string) => unknown): RuleSpec {
  return {
    id,
    section: 'malformed-frames-and-close-codes',
    description: `${description} closes the connection with ${code}.`,
    check: async (kit) => kit.expectClose(await kit.connect(), frame(kit.options.channel.name), code),
  };
}

/** Frames that break the envelope, and their close codes. */
export const malformedRules: readonly RuleSpec[] = [
  closes('malformed.not-json', 'A text frame that is not JSON', 1007, () => 'not json {'),
  closes('malformed.not-object', 'A JSON frame that is not an object (`[1,2]`)', 1002, () => '[1,2]'),
  closes('malformed.no-type', 'An object without a `type`', 1002, () => ({ id: 'x' })),
  closes('malformed.unknown-type', 'An object with a `type` the protocol does not define', 1002, () => ({ type: '__conformance_unknown' })),
  closes('malformed.sub', 'A `sub` whose `id` is not a string', 1002, (channel) => ({ type: 'sub', id: 1, channel, params: {} })),
  closes('malformed.sub-channel', 'A `sub` without a string `channel`', 1002, () => ({ type: 'sub', id: 'x', params: {} })),
  closes('malformed.unsub', 'An `unsub` without a string `id`', 1002, () => ({ type: 'unsub' })),
  closes('malformed.req', 'A `req` without a string `name`', 1002, () => ({ type: 'req', id: 'x', payload: {} })),
  closes('malformed.binary', 'A binary frame', 1003, () => new TextEncoder().encode(JSON.stringify({ type: 'ping' }))),
];
