import type { Observable } from 'rxjs';

/** A connected peer, as hooks and `connections$` see it. */
export interface ConnectionInfo<A> {
  /** A server-unique id of the connection. */
  readonly id: string;
  /** What `authenticate` returned for it. */
  readonly principal: A;
}

/** An event of a connection's life on {@link Server.connections$}. */
export type ConnectionEvent<A> =
  | {
      /** A peer connected. */
      readonly type: 'connected';
      /** Which. */
      readonly connection: ConnectionInfo<A>;
    }
  | {
      /** A peer left. */
      readonly type: 'disconnected';
      /** Which. */
      readonly connection: ConnectionInfo<A>;
      /** The close code: the one this side sent when it closed the peer (e.g. 1013), else the peer's. */
      readonly code: number;
      /** The close reason. */
      readonly reason: string;
    };

/** What a request handler is told about who asked. */
export interface RequestContext<A> {
  /** The connection the request came on. */
  readonly connection: ConnectionInfo<A>;
}

/** A request handler: returns the reply, a Promise of it or an Observable whose first value is it. */
export type RequestHandler<Q, S, A> = (payload: Q, context: RequestContext<A>) => S | Promise<S> | Observable<S>;

/** One subscriber in {@link Server.presence}. */
export interface PresenceMember {
  /** The subscriber's connection, unique over every process: `<server instance>/<connection id>`. */
  readonly connection: string;
  /** What the `presence` option made of its principal. */
  readonly info: unknown;
}

/** Counters of a server, as published on {@link Server.stats$}. */
export interface ServerStats {
  /** Connections open now. */
  readonly connections: number;
  /** Subscriptions live now, over every connection. */
  readonly subscriptions: number;
  /** Frames received; a client `batch` counts as one frame (the frames it holds are not counted one by one). */
  readonly messagesIn: number;
  /** Frames sent; those a `batch` frame carries (see docs/protocol.md) count one by one. */
  readonly messagesOut: number;
  /** Messages published. */
  readonly published: number;
  /** Peers refused at the upgrade. */
  readonly refused: number;
  /** Peers closed for breaking a limit or the protocol, including frames `ws` refused (1009, 1007, 1002). */
  readonly closedForLimits: number;
}
