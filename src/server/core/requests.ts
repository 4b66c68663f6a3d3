import { isObservable, firstValueFrom } from 'rxjs';
import { lookup } from '../../protocol/defineProtocol';
import { check, checkParsed } from '../../protocol/validate';
import { RequestError } from '../errors';
import type { ConnectionContext } from './context';
import type { ConnectionInfo } from './types';

type Reply = { data: unknown } | { error: { code: string; message: string; data?: unknown } };

/**
 * Runs request `id` and sends its `res` frame; never rejects (every failure is a reply).
 * Only a `RequestError` says more than `INTERNAL` to the peer: nothing internal leaks.
 */
export async function request<A>(context: ConnectionContext<A>, connection: ConnectionInfo<A>, send: (text: string) => void, id: string, name: string, payload: unknown): Promise<void> {
  const reply = (body: Reply): void => {
    let text: string;
    try {
      text = JSON.stringify({ type: 'res', id, ...body });
    } catch {
      // A BigInt or a cycle in what the handler returned: not the peer's fault.
      text = JSON.stringify({ type: 'res', id, error: { code: 'INTERNAL', message: 'the reply could not be serialized' } });
    }
    send(text);
  };
  const started = performance.now();
  try {
    reply(await answer(context, connection, name, payload));
    context.answered(name, performance.now() - started);
  } catch {
    reply({ error: { code: 'INTERNAL', message: 'the request failed' } });
  }
}

async function answer<A>(context: ConnectionContext<A>, connection: ConnectionInfo<A>, name: string, payload: unknown): Promise<Reply> {
  const definition = lookup(context.protocol.requests, name);
  const handler = context.handlers.get(name);
  if (!definition || !handler) return { error: { code: 'NOT_FOUND', message: `no request "${name}"` } };
  const decoded = checkParsed(definition.request, payload);
  if (!decoded.ok) return { error: { code: 'INVALID_PAYLOAD', message: decoded.reason } };
  try {
    const result = handler(decoded.value, { connection });
    const value = isObservable(result) ? await firstValueFrom(result) : await result;
    const checked = check(definition.response, value);
    if (!checked.ok) return { error: { code: 'INTERNAL', message: 'the reply failed its codec' } };
    return { data: definition.response.encode(checked.value) };
  } catch (error) {
    if (!(error instanceof RequestError)) return { error: { code: 'INTERNAL', message: 'the request failed' } }; // details stay here
    const data = error.data !== undefined && definition.error ? definition.error.encode(error.data) : error.data;
    return { error: data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data } };
  }
}
