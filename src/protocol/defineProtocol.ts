import * as t from 'io-ts';

/** A channel of a protocol: the codec of its parameters and of its messages. */
export interface ChannelDefinition<P extends t.Mixed = t.Mixed, M extends t.Mixed = t.Mixed> {
  /** The parameters that select one stream of the channel, e.g. `t.type({ id: t.string })`. */
  readonly params: P;
  /** Every message on the channel. */
  readonly message: M;
}

/** A request of a protocol: the codecs of its payload, its reply and, optionally, its error data. */
export interface RequestDefinition<Q extends t.Mixed = t.Mixed, S extends t.Mixed = t.Mixed, E extends t.Mixed = t.Mixed> {
  /** The payload the client sends. */
  readonly request: Q;
  /** The reply the server answers with. */
  readonly response: S;
  /** The `data` of an error reply, if the server sends structured error data. */
  readonly error?: E;
}

/** The channels, events and requests of a protocol, each with io-ts codecs. */
export interface ProtocolDefinition {
  /** Streams the client subscribes to, by name. */
  readonly channels?: Record<string, ChannelDefinition>;
  /** Messages the server sends to a client unasked, by name. */
  readonly events?: Record<string, t.Mixed>;
  /** Request / reply pairs, by name. */
  readonly requests?: Record<string, RequestDefinition>;
}

/** A protocol made by {@link defineProtocol}: the definition, with every part present. */
export interface Protocol<
  C extends Record<string, ChannelDefinition> = Record<string, ChannelDefinition>,
  E extends Record<string, t.Mixed> = Record<string, t.Mixed>,
  R extends Record<string, RequestDefinition> = Record<string, RequestDefinition>,
> {
  /** The channels, by name. */
  readonly channels: C;
  /** The events, by name. */
  readonly events: E;
  /** The requests, by name. */
  readonly requests: R;
}

/** A protocol with nothing in it: what a client without `protocol` speaks. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type EmptyProtocol = Protocol<{}, {}, {}>;

/** The channel names of protocol `P`. */
export type ChannelName<P extends Protocol> = keyof P['channels'] & string;
/** The parameters of channel `N` of protocol `P`. */
export type ChannelParams<P extends Protocol, N extends ChannelName<P>> = t.TypeOf<P['channels'][N]['params']>;
/** The messages of channel `N` of protocol `P`. */
export type ChannelMessage<P extends Protocol, N extends ChannelName<P>> = t.TypeOf<P['channels'][N]['message']>;
/** The event names of protocol `P`. */
export type EventName<P extends Protocol> = keyof P['events'] & string;
/** The payload of event `N` of protocol `P`. */
export type EventPayload<P extends Protocol, N extends EventName<P>> = t.TypeOf<P['events'][N]>;
/** The request names of protocol `P`. */
export type RequestName<P extends Protocol> = keyof P['requests'] & string;
/** The payload of request `N` of protocol `P`. */
export type RequestPayload<P extends Protocol, N extends RequestName<P>> = t.TypeOf<P['requests'][N]['request']>;
/** The reply to request `N` of protocol `P`. */
export type ResponseOf<P extends Protocol, N extends RequestName<P>> = t.TypeOf<P['requests'][N]['response']>;

/**
 * Defines a protocol once, with io-ts codecs, so that both ends are typed from it and
 * every message is validated against it in both directions.
 *
 * @example
 * ```ts
 * const DeviceUpdate = t.type({ id: t.string, temperature: t.number });
 * export const smartHome = defineProtocol({
 *   channels: { device: { params: t.type({ id: t.string }), message: DeviceUpdate } },
 *   events: { alert: t.type({ message: t.string }) },
 *   requests: { setTarget: { request: t.type({ id: t.string, target: t.number }), response: t.type({ ok: t.boolean }) } },
 * });
 * // client.channel('device', { id: 'oven-1' }) is an Observable<{ id: string; temperature: number }>
 * ```
 */
export function defineProtocol<
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  const C extends Record<string, ChannelDefinition> = {},
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  const E extends Record<string, t.Mixed> = {},
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  const R extends Record<string, RequestDefinition> = {},
>(definition: { channels?: C; events?: E; requests?: R }): Protocol<C, E, R> {
  return {
    channels: (definition.channels ?? {}) as C,
    events: (definition.events ?? {}) as E,
    requests: (definition.requests ?? {}) as R,
  };
}

/**
 * The definition named `name` in one part of a protocol, or `undefined`. Looks at own
 * properties only: a name from the network such as `__proto__` or `constructor` must
 * never reach `Object.prototype`.
 */
export function lookup<V>(part: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(part, name) ? part[name] : undefined;
}
