import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either';

/** The result of checking a value against a codec: the decoded value or the path-level reasons. */
export type Checked<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string };

const MAX_REASONS = 5;

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Turns io-ts errors into one readable line, each failure with its path:
 * `temperature: expected number, got "hot"; mode: expected "on" | "off", got undefined`.
 */
export function formatErrors(errors: t.Errors): string {
  const reasons = errors.slice(0, MAX_REASONS).map((error) => {
    const path = error.context
      .map((entry) => entry.key)
      .filter((key) => key !== '')
      .join('.');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'unknown';
    return `${path || '(root)'}: expected ${expected}, got ${show(error.value)}`;
  });
  if (errors.length > MAX_REASONS) reasons.push(`and ${errors.length - MAX_REASONS} more`);
  return reasons.join('; ');
}

/**
 * Whether `value` passes a codec that does not transform: one whose `encode` is io-ts's
 * `identity` (`t.type`, `t.array`, `t.union`, `t.literal`, refinements and the like, when
 * every part of them is such a codec). For those, `decode` succeeds exactly when `is` does,
 * and returns the value itself, so `is` gives the verdict without `decode`'s allocations
 * (a context entry and an `Either` per field and per array element). Codecs that
 * transform, or strip (`t.exact`, `t.strict`), answer false here and go through `decode`.
 */
export function passesAsIs(codec: t.Mixed, value: unknown): boolean {
  return codec.encode === t.identity && codec.is(value);
}

/** Decodes `value` with `codec`, returning the value or the path-level reason. */
export function check<C extends t.Mixed>(codec: C, value: unknown): Checked<t.TypeOf<C>> {
  if (passesAsIs(codec, value)) return { ok: true, value: value as t.TypeOf<C> };
  const result = codec.decode(value);
  return isLeft(result) ? { ok: false, reason: formatErrors(result.left) } : { ok: true, value: result.right };
}
