import { Observable, from, map, of, take } from 'rxjs';
import type { SocketTarget } from './socket';
import type { AuthOptions, ClientOptions, TokenContext } from './types';

/**
 * Where one connection attempt goes: the URL (re-evaluated per attempt when it is a
 * function) and the token, fetched again for every attempt and placed where
 * `auth.via` says (and kept for the adapter's handshake).
 */
export function resolveTarget(
  url: ClientOptions['url'],
  protocols: string | readonly string[] | undefined,
  auth: AuthOptions | undefined,
  context: TokenContext,
): Observable<SocketTarget> {
  const base = typeof url === 'function' ? url(context) : url;
  const offered = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  if (!auth) return of({ url: base, protocols: offered, headers: undefined, token: undefined });
  const token = auth.token(context);
  // from() would iterate a string character by character.
  return (typeof token === 'string' ? of(token) : from(token)).pipe(
    take(1),
    map((value): SocketTarget => {
      const { via = 'protocol', param = 'token' } = auth;
      if (via === 'handshake') return { url: base, protocols: offered, headers: undefined, token: value };
      if (via === 'header') return { url: base, protocols: offered, headers: { Authorization: `Bearer ${value}` }, token: value };
      if (via === 'query') {
        const separator = base.includes('?') ? '&' : '?';
        return { url: `${base}${separator}${encodeURIComponent(param)}=${encodeURIComponent(value)}`, protocols: offered, headers: undefined, token: value };
      }
      return { url: base, protocols: [...(offered.length > 0 ? offered : ['rxwire']), `bearer.${value}`], headers: undefined, token: value };
    }),
  );
}
