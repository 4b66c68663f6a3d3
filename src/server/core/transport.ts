/**
 * A text that goes to many peers as it is (a message fanned out to every subscriber
 * under one subscription id). It is made once; a WebSocket transport frames it once too
 * and keeps the frame here, so each further peer costs one write.
 */
export interface SharedText {
  /** The envelope's JSON text. */
  readonly text: string;
  /**
   * The complete, unmasked WebSocket text frame of `text` (header and UTF-8 payload),
   * built by the first WebSocket transport that sends it, reused by the others.
   */
  frame?: Uint8Array;
}

/**
 * What the server core needs of one peer's connection, whatever carries it (`ws`, a
 * test's fake, another WebSocket library). The transport tells the core what arrives
 * through the {@link Peer} that `accept` returns.
 */
export interface PeerTransport {
  /** Whether frames can be sent now (a WebSocket's `readyState` is OPEN). */
  readonly open: boolean;
  /** Bytes sent but not yet taken by the peer: what a slow reader leaves queued. */
  readonly bufferedAmount: number;
  /** Sends one text frame. */
  send(text: string): void;
  /** Sends a text shared by many peers; without it, `send(shared.text)` is used. */
  sendShared?(shared: SharedText): void;
  /** Writes out now anything the transport holds back to batch its writes. */
  flush?(): void;
  /** Starts the closing handshake with `code` and `reason`. */
  close(code: number, reason: string): void;
  /** Drops the connection at once, without a handshake. */
  terminate(): void;
}

/** One accepted connection as the core sees it: the transport reports to it. */
export interface Peer<A> {
  /** What hooks and handlers see of the connection. */
  readonly info: { readonly id: string; readonly principal: A };
  /** The close code this side closed the connection with, if it did. */
  readonly closedWith: { readonly code: number; readonly reason: string } | undefined;
  /** A frame arrived. `binary` frames are not part of the protocol: they close it with 1003. */
  receive(data: string | Uint8Array, binary?: boolean): void;
  /** A transport-level ping arrived; it costs a pong, so it counts against the rate limit. */
  pinged(): void;
  /** The transport refused a frame (too big, invalid UTF-8) and is closing the peer with `code`. */
  broken(code: number, reason: string): void;
  /** The connection is gone; `code` and `reason` are what the transport saw. */
  closed(code: number, reason: string): void;
  /** Sends an encoded event. */
  event(name: string, encoded: unknown): void;
  /** Closes the connection with `code`; `destroy` also drops it at once. */
  fail(code: number, reason: string, destroy?: boolean): void;
}
