import type * as t from 'io-ts';

type Shape = t.Mixed & { _tag?: string; type?: t.Mixed; types?: t.Mixed[]; props?: Record<string, t.Mixed> };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A decoded value without the object keys its codec does not declare, at every level
 * the codec describes (`t.type`, `t.partial`, `t.exact`/`t.strict`, `t.intersection`,
 * arrays, `t.union` by the member whose `is` accepts the value, refinements, brands,
 * `t.readonly`, `t.recursion`). io-ts's `t.type` keeps undeclared keys through `decode`
 * and `encode`; for a channel's params they must not name a different stream. Values
 * of other codecs (records, tuples, custom types) are kept as they are.
 */
export function withoutExtraKeys(codec: t.Mixed, value: unknown): unknown {
  const c = codec as Shape;
  switch (c._tag) {
    case 'InterfaceType':
    case 'PartialType': {
      if (!isRecord(value) || !c.props) return value;
      const kept: Record<string, unknown> = {};
      for (const name of Object.keys(c.props)) {
        if (Object.prototype.hasOwnProperty.call(value, name)) kept[name] = withoutExtraKeys(c.props[name]!, value[name]);
      }
      return kept;
    }
    case 'ExactType':
    case 'RefinementType':
    case 'ReadonlyType':
    case 'RecursiveType':
      return c.type ? withoutExtraKeys(c.type, value) : value;
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return Array.isArray(value) && c.type ? value.map((item) => withoutExtraKeys(c.type!, item)) : value;
    case 'IntersectionType': {
      if (!isRecord(value) || !c.types) return value;
      const parts = c.types.map((part) => withoutExtraKeys(part, value));
      return parts.every(isRecord) ? Object.assign({}, ...parts) : value;
    }
    case 'UnionType': {
      const member = c.types?.find((candidate) => candidate.is(value));
      return member ? withoutExtraKeys(member, value) : value;
    }
    default:
      return value;
  }
}

/**
 * The canonical wire form of a channel's params: decoded `value` without undeclared
 * keys, encoded by the codec. Equal params (whatever extra keys or key order they came
 * with) give equal results under `stableKey`, so that they name one stream.
 */
export function canonicalParams(codec: t.Mixed, decoded: unknown): unknown {
  return codec.encode(withoutExtraKeys(codec, decoded));
}
