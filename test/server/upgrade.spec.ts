import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SocketCount, tokenOf } from '../../src/server/ws/upgrade';

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;
const socket = () => new EventEmitter() as unknown as Duplex;

describe('tokenOf', () => {
  it('reads the Authorization header, then the token query parameter, then a bearer. subprotocol entry', () => {
    expect(tokenOf(request('/?token=q', { authorization: 'Bearer h', 'sec-websocket-protocol': 'rxwire, bearer.p' }))).toBe('h');
    expect(tokenOf(request('/ws?x=1&token=q', { 'sec-websocket-protocol': 'rxwire, bearer.p' }))).toBe('q');
    expect(tokenOf(request('/ws?x=1', { 'sec-websocket-protocol': 'rxwire,  bearer.p ' }))).toBe('p');
    expect(tokenOf(request('/ws', { 'sec-websocket-protocol': 'bearer.p' }))).toBe('p');
  });

  it('finds none in a URL without a query, an empty parameter, or protocols without a bearer. entry', () => {
    expect(tokenOf(request('/ws'))).toBeUndefined();
    expect(tokenOf(request('/ws?token='))).toBeUndefined();
    expect(tokenOf(request('/ws#token=x'))).toBeUndefined();
    expect(tokenOf(request('/ws', { 'sec-websocket-protocol': 'rxwire, graphql-ws' }))).toBeUndefined();
    expect(tokenOf(request('/ws', { authorization: 'Basic abc' }))).toBeUndefined();
  });
});

describe('SocketCount', () => {
  it('counts per address when limited: refuses the address at its limit, frees it when a socket closes', () => {
    const count = new SocketCount(10, 2);
    expect(count.perAddress).toBe(true);
    const [a, b] = [socket(), socket()];
    expect(count.hold(a, '1.2.3.4')).toBe(true);
    expect(count.hold(b, '1.2.3.4')).toBe(true);
    expect(count.hold(socket(), '1.2.3.4')).toBe(false);
    expect(count.hold(socket(), '5.6.7.8')).toBe(true);
    a.emit('close');
    a.emit('close');
    expect(count.hold(socket(), '1.2.3.4')).toBe(true);
    expect(count.hold(socket(), '1.2.3.4')).toBe(false);
  });

  it('without a per-address limit keeps only the total: full at maxConnections, and room again once one closes', () => {
    const count = new SocketCount(2, Infinity);
    expect(count.perAddress).toBe(false);
    const first = socket();
    expect(count.hold(first, undefined)).toBe(true);
    expect(count.full).toBe(false);
    expect(count.hold(socket(), undefined)).toBe(true);
    expect(count.full).toBe(true);
    first.emit('close');
    first.emit('close');
    expect(count.full).toBe(false);
  });
});
