import type { Kit, Resolved } from './kit';

/** One rule of docs/protocol.md and how to check it against a server. */
export interface RuleSpec {
  /** Stable: users match on it. `area.rule`, e.g. `sub.duplicate-id`. */
  readonly id: string;
  /** The anchor of the section of docs/protocol.md that states the rule, e.g. `subscriptions`. */
  readonly section: string;
  /** What the rule says. */
  readonly description: string;
  /** Why the rule cannot be checked with these options; undefined when it can. */
  readonly skip?: (options: Resolved) => string | undefined;
  /** Whether the check relies on the server accepting connections. @defaultValue true */
  readonly needsAcceptance?: boolean;
  /** Throws `Broken` when the server breaks the rule. */
  readonly check: (kit: Kit) => Promise<void>;
}

/** The document the rules cite. */
export const DOCUMENT = 'docs/protocol.md';

/** Nested arrays `depth` levels deep: `[[[]]]` is 3. */
export function nested(depth: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}
