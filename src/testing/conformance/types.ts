/** The channel the kit subscribes to and publishes on, with what it needs to drive it. */
export interface ConformanceChannel {
  /** A channel the server serves, e.g. `'device'`. */
  readonly name: string;
  /**
   * Params of that channel the server accepts for every connection the kit opens, e.g.
   * `{ id: 'oven-1' }`. An object, for the rule on canonical params
   * (`sub.canonical-params`); any other JSON value skips that rule.
   */
  readonly params: unknown;
  /**
   * The `n`-th message the kit publishes (n counts from 1 over the whole run): a value
   * the channel's codec accepts and whose wire form is itself (plain JSON, nothing a
   * codec transforms), so that the kit can compare what arrives. Make them differ.
   */
  readonly message: (n: number) => unknown;
  /** Params the channel's codec refuses (`sub.invalid-params`). @defaultValue the rule is skipped */
  readonly invalidParams?: unknown;
}

/** The request the kit sends. */
export interface ConformanceRequest {
  /** A request the server answers, e.g. `'setTarget'`. */
  readonly name: string;
  /** A payload it accepts and answers with data (`req.reply`). */
  readonly payload: unknown;
  /** The payload's reply as it appears in `data`; compared when given. @defaultValue not compared */
  readonly response?: unknown;
  /** A payload its codec refuses (`req.invalid-payload`). @defaultValue the rule is skipped */
  readonly invalidPayload?: unknown;
}

/** Tokens for the rules on authentication at the upgrade. */
export interface ConformanceTokens {
  /** A token the server accepts. Every connection the kit opens carries it. */
  readonly accepted: string;
  /** A token the server refuses as unauthorized (4401). @defaultValue the rule is skipped */
  readonly refused?: string;
  /** A token of a principal the server refuses as forbidden (4403). @defaultValue the rule is skipped */
  readonly forbidden?: string;
  /**
   * How the kit's connections carry `accepted`: a `bearer.<token>` subprotocol entry
   * after `rxwire`, the `token` query parameter, or an `Authorization: Bearer` header.
   * The `auth.token.*` rules try all three.
   * @defaultValue 'protocol'
   */
  readonly via?: 'protocol' | 'query' | 'header';
}

/**
 * The server's limits, as configured: each rule on a limit runs only when its limit is
 * given here (and, for those that open connections or send frames up to it, small
 * enough to reach quickly).
 */
export interface ConformanceLimits {
  /** `limits.maxSubscriptions`, for `limits.max-subscriptions` (run when at most 2,000). */
  readonly maxSubscriptions?: number;
  /** `limits.rate`, for `limits.rate` (run when `messages` is at most 10,000). */
  readonly rate?: {
    /** Frames allowed per interval. */
    readonly messages: number;
    /** The interval in milliseconds. */
    readonly interval: number;
  };
  /** `limits.maxPayload` in bytes, for `limits.max-payload` (run when at most 16 MiB). */
  readonly maxPayload?: number;
  /** `limits.maxDepth`, for the `limits.max-depth.*` rules (run when at most 1,000). */
  readonly maxDepth?: number;
  /** `limits.maxConnectionsPerAddress`, for `limits.connections-per-address` (run when at most 100). */
  readonly maxConnectionsPerAddress?: number;
  /** Messages the broker keeps per stream, for `recovery.gap-range` (run when at most 1,000). */
  readonly historySize?: number;
  /** `upgradeTimeout` in ms, for `http.upgrade-timeout` (run on `ws://` URLs when at most 10,000). */
  readonly upgradeTimeout?: number;
}

/** Options of {@link checkConformance}: where the server is, and the server-specific parts of the exchanges. */
export interface ConformanceOptions {
  /** The server's WebSocket URL, e.g. `ws://127.0.0.1:8080/live`. */
  readonly url: string;
  /** The channel to subscribe to and publish on. */
  readonly channel: ConformanceChannel;
  /**
   * Makes the server publish `data` on `channel` with `params`: for rxwire's server,
   * `(channel, params, data) => server.publish(channel, params, data)`. Resolves (or
   * returns) once the message is published.
   */
  readonly publish: (channel: string, params: unknown, data: unknown) => unknown;
  /** A channel and params that the server refuses with `FORBIDDEN` (`sub.forbidden`). @defaultValue the rule is skipped */
  readonly forbidden?: {
    /** The channel. */
    readonly channel: string;
    /** Params of it that the server's authorization refuses. */
    readonly params: unknown;
  };
  /** A request to send (`req.*` rules). @defaultValue those rules are skipped */
  readonly request?: ConformanceRequest;
  /**
   * Makes the server send event `name` with `data` to every connection (`event.frame`).
   * @defaultValue the rule is skipped
   */
  readonly emit?: {
    /** The event's name. */
    readonly name: string;
    /** Its data, as it should arrive. */
    readonly data: unknown;
    /** Makes the server emit it, e.g. `() => server.emit('alert', data)`. */
    readonly send: () => unknown;
  };
  /** Tokens, when the server authenticates. @defaultValue connections carry no token; the `auth.*` rules are skipped */
  readonly tokens?: ConformanceTokens;
  /**
   * How the server refuses a peer at the upgrade: `'close'` (accepts, then closes with
   * 4401 / 4403) or `'http'` (answers 401 / 403).
   * @defaultValue 'close'
   */
  readonly refuseWith?: 'close' | 'http';
  /** The server's limits, for the `limits.*` rules. @defaultValue those rules are skipped */
  readonly limits?: ConformanceLimits;
  /**
   * The longest the kit waits for any one answer, in ms: a rule whose awaited frame or
   * close does not come in time is broken.
   * @defaultValue 2000
   */
  readonly timeout?: number;
  /**
   * How long the kit listens to make sure that nothing arrives (after `unsub`, after a
   * refused `sub`), in ms.
   * @defaultValue 200
   */
  readonly quiet?: number;
  /**
   * Only the rules whose id is listed or starts with a listed prefix followed by a dot
   * (`'malformed'` selects `malformed.not-json`, ...).
   * @defaultValue every rule
   */
  readonly only?: readonly string[];
}

/** One rule of docs/protocol.md, as checked. */
export interface ConformanceRule {
  /** Its stable id, e.g. `'sub.duplicate-id'`. */
  readonly id: string;
  /** What the rule says, citing its section of docs/protocol.md. */
  readonly description: string;
  /** The section of docs/protocol.md that states it, e.g. `'docs/protocol.md#subscriptions'`. */
  readonly section: string;
  /** Whether the server kept it. */
  readonly kept: boolean;
  /** What happened instead, when broken. */
  readonly detail?: string;
}

/** What {@link checkConformance} found. */
export interface ConformanceResult {
  /** Every rule that was checked, in the kit's order. */
  readonly rules: ConformanceRule[];
  /** Whether every rule checked was kept. */
  readonly passed: boolean;
  /** Rules not checked, and why (an option not given, a limit too large to reach). */
  readonly skipped: Array<{
    /** The rule's id. */
    readonly id: string;
    /** Why it was not checked. */
    readonly reason: string;
  }>;
}
