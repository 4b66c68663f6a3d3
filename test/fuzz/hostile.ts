import fc from 'fast-check';

/** Frames an attacker or a broken peer could send, as text, plus raw bytes that are not UTF-8. */
export const hostileFrame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  // Not JSON at all, or truncated JSON.
  fc.string({ maxLength: 64 }),
  fc.json().map((json) => json.slice(0, Math.max(0, json.length - 1))),
  // Valid JSON of the wrong shape.
  fc.json({ maxDepth: 3 }),
  // Envelope-looking objects with wrong or dangerous fields.
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('msg', 'sub', 'unsub', 'req', 'res', 'event', 'gap', 'error', 'subscribed', 'ping', 'pong'), fc.string()),
      id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.constant('__proto__')),
      seq: fc.oneof(fc.integer(), fc.double(), fc.constant(1e308), fc.constant(-1), fc.string()),
      channel: fc.oneof(fc.constantFrom('device', 'room', '__proto__', 'constructor'), fc.string()),
      name: fc.oneof(fc.constantFrom('alert', 'setTarget', '__proto__', 'constructor', 'toString'), fc.string()),
      params: fc.anything({ maxDepth: 2 }),
      payload: fc.anything({ maxDepth: 2 }),
      data: fc.anything({ maxDepth: 2 }),
      from: fc.anything({ maxDepth: 0 }),
      to: fc.anything({ maxDepth: 0 }),
    },
    { requiredKeys: ['type'] },
  ).map((o) => JSON.stringify(o)),
  // Prototype pollution attempts.
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"type":"msg","id":"1","data":{"__proto__":{"polluted":true}}}',
    '{"type":"sub","id":"p","channel":"device","params":{"__proto__":{"polluted":true},"id":"x"}}',
    '{"type":"req","id":"r","name":"setTarget","payload":{"constructor":{"prototype":{"polluted":true}},"id":"x","target":1}}',
    '{"type":"event","name":"alert","data":{"__proto__":{"polluted":true}}}',
  ),
  // Huge numbers and strings, deep nesting.
  fc.constantFrom(
    `{"type":"msg","id":"1","seq":${'9'.repeat(400)},"data":{"id":"oven-1","temperature":1e999}}`,
    JSON.stringify({ type: 'msg', id: '1', data: { id: 'x'.repeat(100_000), temperature: 1 } }),
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `{"type":"msg","id":"1","data":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
  ),
  // Bytes that are not valid UTF-8.
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => Uint8Array.from([0xff, 0xfe, ...bytes])),
);

/** Whether anything wrote to Object.prototype. */
export function prototypePolluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return 'polluted' in probe || Object.keys(Object.prototype).length > 0;
}
