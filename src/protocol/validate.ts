import type * as t from 'io-ts';

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

// io-ts's own codecs whose `is` gives the same verdict as `decode`, and whose `decode`
// returns the value itself, given parts of the same kind. Custom `t.Type`s are left out:
// their `is` may be looser than their `validate`, or `validate` may normalize.
const LEAVES = new Set(['NullType', 'UndefinedType', 'VoidType', 'UnknownType', 'StringType', 'NumberType', 'BooleanType', 'LiteralType', 'KeyofType']);
const plainCache = new WeakMap<t.Mixed, boolean>();

/**
 * Whether a codec is built only of io-ts's own non-transforming codecs (`t.type`,
 * `t.partial`, `t.array`, `t.union`, `t.intersection`, `t.readonly`, refinements and
 * brands of them, and strings, numbers, booleans, literals, keyofs, null, undefined,
 * unknown), so that `is` can stand in for `decode` on values parsed from JSON.
 */
export function isPlainCodec(codec: t.Mixed): boolean {
  const known = plainCache.get(codec);
  if (known !== undefined) return known;
  const c = codec as t.Mixed & { _tag?: string; type?: t.Mixed; types?: t.Mixed[]; props?: Record<string, t.Mixed> };
  let plain: boolean;
  switch (c._tag) {
    case 'ArrayType':
    case 'ReadonlyArrayType':
    case 'ReadonlyType':
    case 'RefinementType':
      plain = c.type !== undefined && isPlainCodec(c.type);
      break;
    case 'InterfaceType':
    case 'PartialType':
      plain = c.props !== undefined && Object.values(c.props).every(isPlainCodec);
      break;
    case 'UnionType':
    case 'IntersectionType':
      plain = c.types !== undefined && c.types.every(isPlainCodec);
      break;
    default:
      plain = c._tag !== undefined && LEAVES.has(c._tag);
  }
  plainCache.set(codec, plain);
  return plain;
}

/**
 * Whether `value`, parsed from JSON, passes a {@link isPlainCodec | plain} codec: `is`
 * gives `decode`'s verdict without `decode`'s allocation of a context entry and an
 * `Either` per field and array element, and the decoded value would be `value` itself.
 * Only for values parsed from JSON: `is` skips the holes of a sparse array, which JSON
 * cannot produce but application code can.
 */
export function passesAsIs(codec: t.Mixed, value: unknown): boolean {
  return isPlainCodec(codec) && codec.is(value);
}

/** Decodes `value` with `codec`, returning the value or the path-level reason. */
export function check<C extends t.Mixed>(codec: C, value: unknown): Checked<t.TypeOf<C>> {
  const result = codec.decode(value);
  // A `_tag` check rather than fp-ts's `isLeft`: the runtime never imports fp-ts (its
  // CommonJS build cannot be tree-shaken and its deep paths do not resolve in Node ESM).
  return result._tag === 'Left' ? { ok: false, reason: formatErrors(result.left) } : { ok: true, value: result.right };
}

/** {@link check} for a value parsed from JSON: plain codecs are checked with `is` first (see {@link passesAsIs}). */
export function checkParsed<C extends t.Mixed>(codec: C, value: unknown): Checked<t.TypeOf<C>> {
  if (passesAsIs(codec, value)) return { ok: true, value: value as t.TypeOf<C> };
  return check(codec, value);
}
