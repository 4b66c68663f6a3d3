import WebSocket from 'ws';
import { once } from 'node:events';

/** A raw `ws` peer for speaking to the server frame by frame. */
export class RawPeer {
  readonly frames: any[] = [];
  /** The server's acceptance frame (`welcome`), kept apart from the other frames. */
  welcome: any;
  closeCode: number | undefined;
  closeReason = '';
  readonly socket: WebSocket;

  constructor(url: string, options?: WebSocket.ClientOptions, protocols?: string[]) {
    this.socket = new WebSocket(url, protocols, options);
    this.socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame?.type === 'welcome' && this.welcome === undefined && this.frames.length === 0) this.welcome = frame;
      else this.frames.push(frame);
    });
    this.socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
    });
    this.socket.on('error', () => undefined);
  }

  async opened(): Promise<this> {
    if (this.socket.readyState !== WebSocket.OPEN) await once(this.socket, 'open');
    return this;
  }

  /** Resolves with the close code (1006 for a connection that failed). */
  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  terminate(): void {
    this.socket.terminate();
  }
}
