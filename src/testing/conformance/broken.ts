/** Thrown inside a rule's check: the rule is broken, and `message` says how. */
export class Broken extends Error {
  override readonly name: string = 'Broken';
}

/** Throws {@link Broken} with `detail` unless `condition` holds. */
export function ensure(condition: unknown, detail: string): asserts condition {
  if (!condition) throw new Broken(detail);
}

/** Whether two JSON values are equal, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, i) => sameJson(item, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** A frame shortened for a detail message. */
export function show(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Thrown inside a rule's check: the rule does not apply to this server (e.g. its ping interval is too long to wait for). */
export class NotApplicable extends Error {
  override readonly name: string = 'NotApplicable';
}
