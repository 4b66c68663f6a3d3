import { ensure, sameJson, show } from './broken';
import type { Frame } from './peer';
import type { RuleSpec } from './rule';

/** A request no server has. */
export const NO_SUCH_REQUEST = '__conformance_no_such_request';

/** Requests, their replies and errors; events. */
export const requestRules: readonly RuleSpec[] = [
  {
    id: 'req.reply',
    section: 'req',
    description: 'A `req` with a valid payload is answered with exactly one `res` under its id, with `data`; requests sent together are each answered under their own id.',
    skip: (options) => (options.request ? undefined : 'request not given'),
    check: async (kit) => {
      const peer = await kit.connect();
      const { name, payload, response } = kit.options.request!;
      const ids = [kit.id(), kit.id()];
      for (const id of ids) peer.send({ type: 'req', id, name, payload });
      for (const id of ids) {
        const res = await kit.nextFor(peer, id, `a res for "${id}"`);
        ensure(res.type === 'res' && 'data' in res && !('error' in res), `expected a res with data for "${id}", got ${show(res)}`);
        ensure(!('response' in kit.options.request!) || sameJson(res.data, response), `expected data ${show(response)}, got ${show(res)}`);
      }
      const extra = await peer.quiet(kit.options.quiet, (frame) => ids.includes(frame.id as string));
      ensure(extra.length === 0, `a request was answered twice: ${show(extra)}`);
    },
  },
  {
    id: 'req.invalid-payload',
    section: 'req',
    description: 'A `req` whose payload fails the request\'s codec is answered with a `res` whose `error.code` is `INVALID_PAYLOAD`; the connection stays.',
    skip: (options) => (options.request && 'invalidPayload' in options.request ? undefined : 'request.invalidPayload not given'),
    check: async (kit) => {
      const peer = await kit.connect();
      const id = kit.id();
      peer.send({ type: 'req', id, name: kit.options.request!.name, payload: kit.options.request!.invalidPayload });
      expectResError(await kit.nextFor(peer, id, `a res for "${id}"`), 'INVALID_PAYLOAD');
      await kit.stillUp(peer);
    },
  },
  {
    id: 'req.not-found',
    section: 'req',
    description: 'A `req` of a name the server does not answer is answered with a `res` whose `error.code` is `NOT_FOUND`; the connection stays.',
    check: async (kit) => {
      const peer = await kit.connect();
      const id = kit.id();
      peer.send({ type: 'req', id, name: NO_SUCH_REQUEST, payload: {} });
      expectResError(await kit.nextFor(peer, id, `a res for "${id}"`), 'NOT_FOUND');
      await kit.stillUp(peer);
    },
  },
  {
    id: 'event.frame',
    section: 'frames-from-the-server',
    description: 'An event the server emits arrives as an `event` frame with its `name` and `data`.',
    skip: (options) => (options.emit ? undefined : 'emit not given'),
    check: async (kit) => {
      const peer = await kit.connect();
      const { name, data, send } = kit.options.emit!;
      await send();
      const frame = await peer.take((f) => f.type === 'event', `an event "${name}"`, kit.options.timeout);
      ensure(frame.name === name && sameJson(frame.data, data), `expected event ${show({ name, data })}, got ${show(frame)}`);
    },
  },
];

/** A `res` with an `error` of `code` and a string `message`. */
export function expectResError(res: Frame, code: string): void {
  const error = res.error as { code?: unknown; message?: unknown } | undefined;
  ensure(res.type === 'res' && typeof error === 'object' && error !== null && !('data' in res), `expected a res with an error ${code}, got ${show(res)}`);
  ensure(error.code === code, `expected error code ${code}, got ${show(res)}`);
  ensure(typeof error.message === 'string', `the error has no string "message": ${show(res)}`);
}
