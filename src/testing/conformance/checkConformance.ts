import { InvalidOptionsError } from '../../protocol/errors';
import { acceptanceRules } from './acceptance';
import { Broken, NotApplicable } from './broken';
import { Kit, within, type Resolved } from './kit';
import { limitRules } from './limits';
import { malformedRules } from './malformed';
import { recoveryRules } from './recovery';
import { requestRules } from './requests';
import { DOCUMENT, type RuleSpec } from './rule';
import { subscriptionRules } from './subscriptions';
import type { ConformanceOptions, ConformanceResult, ConformanceRule } from './types';

/** Every rule the kit checks, in order: acceptance first, since most rules need it. */
const RULES: readonly RuleSpec[] = [...acceptanceRules, ...subscriptionRules, ...requestRules, ...malformedRules, ...recoveryRules, ...limitRules];

/**
 * The ids of every rule {@link checkConformance} knows, in the order it checks them.
 * Stable: a rule keeps its id, new rules get new ones.
 *
 * @example
 * ```ts
 * import { CONFORMANCE_RULES } from 'rxwire/testing';
 *
 * const malformed = CONFORMANCE_RULES.filter((id) => id.startsWith('malformed.'));
 * ```
 */
export const CONFORMANCE_RULES: readonly string[] = Object.freeze(RULES.map((rule) => rule.id));

/** How long one rule may take in all, in timeouts: the largest number of answers a rule awaits in a row, with room. */
const RULE_BUDGET = 12;

/**
 * Checks a server reachable at `url` against docs/protocol.md: runs each documented
 * exchange with a raw WebSocket (the `ws` package) and reports every rule kept or
 * broken, with what happened instead. For servers in any language; rxwire's own
 * server passes every rule.
 *
 * Each rule opens its own connections and closes them; rules run one after the other.
 * Rules that need an option not given (tokens, a request, a limit) are skipped and
 * listed in `skipped`. Every wait is bounded by `timeout` (a rule by a dozen of them),
 * so a server that never answers fails quickly: when it accepts no connection at all,
 * every rule that needs one is reported broken without being run.
 *
 * The kit publishes through `publish` and expects each message to arrive: give it a
 * server of its own, or a channel nobody else publishes on.
 *
 * Node only: needs `ws` installed.
 *
 * @throws `InvalidOptionsError` from `rxwire` (the promise rejects with it) without a `url`, a
 * `channel` or a `publish` function.
 *
 * @example
 * ```ts
 * import { checkConformance } from 'rxwire/testing';
 *
 * const result = await checkConformance({
 *   url: 'ws://127.0.0.1:8080/live',
 *   channel: { name: 'device', params: { id: 'oven-1' }, message: (n) => ({ id: 'oven-1', temperature: n }), invalidParams: { id: 42 } },
 *   publish: (channel, params, data) => fetch('http://127.0.0.1:8080/publish', { method: 'POST', body: JSON.stringify({ channel, params, data }) }),
 *   request: { name: 'setTarget', payload: { id: 'oven-1', target: 180 }, invalidPayload: { id: 'oven-1' } },
 *   tokens: { accepted: 'alice', refused: 'nobody', forbidden: 'mallory' },
 *   limits: { maxSubscriptions: 100, rate: { messages: 2000, interval: 1000 }, maxPayload: 1_048_576, maxDepth: 64 },
 * });
 * for (const rule of result.rules) if (!rule.kept) console.log(rule.id, rule.detail);
 * ```
 */
export async function checkConformance(options: ConformanceOptions): Promise<ConformanceResult> {
  const resolved = resolve(options);
  const selected = RULES.filter((rule) => selects(resolved.only, rule.id));
  const rules: ConformanceRule[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  let unaccepted: string | undefined;
  for (const rule of selected) {
    const reason = rule.skip?.(resolved);
    if (reason !== undefined) {
      skipped.push({ id: rule.id, reason });
      continue;
    }
    const report = (kept: boolean, detail?: string): void => {
      rules.push({ id: rule.id, description: `${rule.description} (${DOCUMENT}#${rule.section})`, section: `${DOCUMENT}#${rule.section}`, kept, ...(detail === undefined ? {} : { detail }) });
    };
    if (unaccepted !== undefined && rule.needsAcceptance !== false) {
      report(false, `not run: the server accepts no connection (${unaccepted})`);
      continue;
    }
    const outcome = await run(rule, resolved);
    if (outcome.kind === 'skipped') skipped.push({ id: rule.id, reason: outcome.reason });
    else report(outcome.kind === 'kept', outcome.detail);
    if (rule.id === 'accept.welcome' && outcome.kind === 'broken') unaccepted = outcome.detail;
  }
  return { rules, passed: rules.every((rule) => rule.kept), skipped };
}

type Outcome = { kind: 'kept'; detail?: undefined } | { kind: 'broken'; detail: string } | { kind: 'skipped'; reason: string };

/** Runs one rule within its budget, with connections of its own, closed after it. */
async function run(rule: RuleSpec, options: Resolved): Promise<Outcome> {
  const kit = new Kit(options);
  try {
    await within(rule.check(kit), RULE_BUDGET * options.timeout + (options.limits?.historySize ?? 0) * 10, `the rule`);
    return { kind: 'kept' };
  } catch (error) {
    if (error instanceof NotApplicable) return { kind: 'skipped', reason: error.message };
    if (error instanceof Broken) return { kind: 'broken', detail: error.message };
    return { kind: 'broken', detail: `the check failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    kit.release();
  }
}

/** Whether `only` (ids, or prefixes of ids before a dot) selects `id`. */
function selects(only: readonly string[] | undefined, id: string): boolean {
  return only === undefined || only.some((entry) => id === entry || id.startsWith(`${entry}.`));
}

function resolve(options: ConformanceOptions): Resolved {
  if (typeof options !== 'object' || options === null || typeof options.url !== 'string') throw new InvalidOptionsError('checkConformance needs { url }: the server\'s WebSocket URL');
  const { channel, publish, timeout = 2000, quiet = 200, refuseWith = 'close' } = options;
  if (typeof channel !== 'object' || channel === null || typeof channel.name !== 'string' || typeof channel.message !== 'function') {
    throw new InvalidOptionsError('checkConformance needs { channel: { name, params, message(n) } }');
  }
  if (typeof publish !== 'function') throw new InvalidOptionsError('checkConformance needs { publish(channel, params, data) }: how to make the server publish');
  if (!(timeout > 0) || !(quiet >= 0)) throw new InvalidOptionsError('timeout must be > 0 and quiet >= 0 (milliseconds)');
  return { ...options, timeout, quiet, refuseWith };
}
