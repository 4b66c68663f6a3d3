import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The `Sec-WebSocket-Protocol` entry prefix that carries a token (browsers cannot send headers). */
export const TOKEN_PROTOCOL = 'bearer.';

/** The token of an upgrade: `Authorization: Bearer`, the `token` query parameter, or a `bearer.` subprotocol entry. */
export function tokenOf(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7);
  // Only a URL with a query can carry the parameter: most upgrades skip the URL parser.
  const url = request.url;
  if (url?.includes('?')) {
    const query = new URL(url, 'http://localhost').searchParams.get('token');
    if (query) return query;
  }
  const offered = request.headers['sec-websocket-protocol'];
  if (offered === undefined || !offered.includes(TOKEN_PROTOCOL)) return undefined;
  return offered
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_PROTOCOL))
    ?.slice(TOKEN_PROTOCOL.length);
}

/** The path of a request's URL. */
export function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://localhost').pathname;
}

/** Answers an upgrade request with an HTTP status and closes the socket. */
export function refuseHttp(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Counts every TCP socket from its upgrade request until it is gone (accepted, refused
 * and still closing, or half-way through authenticate), in all and per address.
 */
export class SocketCount {
  private held = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Whether the server is at `maxConnections`. */
  get full(): boolean {
    return this.held >= this.max;
  }

  /**
   * Whether connections are counted per address at all: with `maxConnectionsPerAddress`
   * unlimited nobody reads that count, and the upgrade need not look the address up.
   */
  get perAddress(): boolean {
    return this.maxPerAddress !== Infinity;
  }

  /**
   * Counts `socket` from `address` until it closes; false (and not counted) when that
   * address is at `maxConnectionsPerAddress`. Without a per-address limit `address` is
   * not needed (see {@link perAddress}) and only the total is kept.
   */
  hold(socket: Duplex, address: string | undefined): boolean {
    if (address === undefined || !this.perAddress) {
      this.held += 1;
      socket.once('close', () => (this.held -= 1));
      return true;
    }
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.maxPerAddress) return false;
    this.held += 1;
    this.byAddress.set(address, fromAddress + 1);
    let released = false;
    socket.once('close', () => {
      if (released) return;
      released = true;
      this.held -= 1;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
    return true;
  }
}
