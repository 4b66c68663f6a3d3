import type * as t from 'io-ts';

/** The result of checking a value against a codec: the decoded value or the path-level reasons. */
export type Checked<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string };

const MAX_REASONS = 5;

const PREVIEW_LENGTH = 60;
const PREVIEW_DEPTH = 3;

/**
 * A short text of a value for an error message, at most `max` characters: bounded in
 * depth and length whatever the value (5,000-deep arrays, megabyte strings, cycles,
 * BigInts, throwing getters), and it never throws. It stops walking as soon as the
 * text is long enough, so its cost does not grow with the value.
 */
export function preview(value: unknown, max = PREVIEW_LENGTH): string {
  let text = '';
  // Each returns false once the text is long enough, which stops the walk.
  const write = (part: string): boolean => (text += part).length <= max;
  const walk = (v: unknown, depth: number): boolean => {
    switch (typeof v) {
      case 'string':
        return write(JSON.stringify(v.length > max ? v.slice(0, max) : v));
      case 'number':
      case 'boolean':
        return write(String(v));
      case 'bigint':
        return write(`${v}n`);
      case 'undefined':
        return write('undefined');
      case 'function':
      case 'symbol':
        return write(`[${typeof v}]`);
    }
    if (v === null) return write('null');
    if (depth >= PREVIEW_DEPTH) return write(Array.isArray(v) ? '[…]' : '{…}');
    if (Array.isArray(v)) {
      if (!write('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !write(',')) || !walk(v[i], depth + 1)) return false;
      return write(']');
    }
    if (!write('{')) return false;
    let first = true;
    for (const key in v as object) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      if ((!first && !write(',')) || !write(`${JSON.stringify(key.length > max ? key.slice(0, max) : key)}:`)) return false;
      first = false;
      if (!walk((v as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return write('}');
  };
  try {
    walk(value, 0);
  } catch {
    return '(unprintable)';
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Whether a value parsed from JSON nests arrays and objects more than `max` levels deep
 * (`{}` and `[]` are one level). It stops at the first branch that is too deep, so a
 * hostile 100,000-deep value costs no more than one just past the limit, and it never
 * recurses deeper than the stack allows whatever `max` is.
 */
export function deeperThan(value: unknown, max: number): boolean {
  return max <= RECURSION_LIMIT ? deeperThanRecursive(value, max) : deeperThanIterative(value, max);
}

// Small frames are checked fastest by recursion, which is safe while `max` is small.
const RECURSION_LIMIT = 1000;

function deeperThanRecursive(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (deeperThanRecursive(value[i], max - 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThanRecursive((value as Record<string, unknown>)[key], max - 1)) return true;
  return false;
}

function deeperThanIterative(root: unknown, max: number): boolean {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) return true;
    for (const key in value) {
      values.push((value as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return false;
}

/**
 * Turns io-ts errors into one readable line, each failure with its path:
 * `temperature: expected number, got "hot"; mode: expected "on" | "off", got undefined`.
 *
 * @example
 * ```ts
 * const Reading = t.type({ temperature: t.number });
 * const result = Reading.decode({ temperature: 'hot' });
 * if (result._tag === 'Left') console.warn(formatErrors(result.left)); // temperature: expected number, got "hot"
 * ```
 */
export function formatErrors(errors: t.Errors): string {
  const reasons = errors.slice(0, MAX_REASONS).map((error) => {
    const path = error.context
      .map((entry) => entry.key)
      .filter((key) => key !== '')
      .join('.');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'unknown';
    return `${path.length > PREVIEW_LENGTH ? `…${path.slice(-PREVIEW_LENGTH)}` : path || '(root)'}: expected ${expected}, got ${preview(error.value)}`;
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
 * cannot produce but application code can. A caller that checks many values with one
 * codec passes `plain`, its {@link isPlainCodec} verdict, computed once.
 */
export function passesAsIs(codec: t.Mixed, value: unknown, plain: boolean = isPlainCodec(codec)): boolean {
  return plain && codec.is(value);
}

/**
 * Decodes `value` with `codec`, returning the value or the path-level reason. Never
 * throws: a codec that throws (a custom `validate`, or io-ts recursing through a value
 * nested too deep for the stack) is a failure with that reason.
 */
export function check<C extends t.Mixed>(codec: C, value: unknown): Checked<t.TypeOf<C>> {
  try {
    const result = codec.decode(value);
    // A `_tag` check rather than fp-ts's `isLeft`: the runtime never imports fp-ts (its
    // CommonJS build cannot be tree-shaken and its deep paths do not resolve in Node ESM).
    return result._tag === 'Left' ? { ok: false, reason: formatErrors(result.left) } : { ok: true, value: result.right };
  } catch (error) {
    return { ok: false, reason: `the codec ${codec.name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : preview(error)}` };
  }
}

/** {@link check} for a value parsed from JSON: plain codecs are checked with `is` first (see {@link passesAsIs}). Never throws. */
export function checkParsed<C extends t.Mixed>(codec: C, value: unknown): Checked<t.TypeOf<C>> {
  if (passesAsIs(codec, value)) return { ok: true, value: value as t.TypeOf<C> };
  return check(codec, value);
}
