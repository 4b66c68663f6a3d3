import fc from 'fast-check';
import { deepArray, deepObject, deepTree } from './protocol';

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
      type: fc.oneof(fc.constantFrom('msg', 'sub', 'unsub', 'batch', 'req', 'res', 'event', 'gap', 'error', 'subscribed', 'ping', 'pong'), fc.string()),
      id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.constant('__proto__')),
      offset: fc.oneof(fc.integer(), fc.double(), fc.constant(1e308), fc.constant(-1), fc.string()),
      epoch: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.constant('__proto__')),
      since: fc.anything({ maxDepth: 1 }),
      lost: fc.anything({ maxDepth: 0 }),
      channel: fc.oneof(fc.constantFrom('device', 'room', '__proto__', 'constructor'), fc.string()),
      name: fc.oneof(fc.constantFrom('alert', 'setTarget', '__proto__', 'constructor', 'toString'), fc.string()),
      params: fc.anything({ maxDepth: 2 }),
      payload: fc.anything({ maxDepth: 2 }),
      data: fc.anything({ maxDepth: 2 }),
      from: fc.anything({ maxDepth: 0 }),
      to: fc.anything({ maxDepth: 0 }),
      frames: fc.oneof(fc.anything({ maxDepth: 2 }), fc.array(fc.record({ type: fc.constantFrom('sub', 'unsub', 'req', 'ping'), id: fc.anything({ maxDepth: 0 }), channel: fc.string(), params: fc.anything({ maxDepth: 2 }) }), { maxLength: 5 })),
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
    `{"type":"msg","id":"1","offset":${'9'.repeat(400)},"data":{"id":"oven-1","temperature":1e999}}`,
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

/** How deep a hostile value nests: mostly a little, sometimes far past any limit, once in a while 100,000 levels. */
const depth: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 80 }), weight: 40 },
  { arbitrary: fc.integer({ min: 81, max: 6000 }), weight: 4 },
  { arbitrary: fc.constantFrom(20_000, 100_000), weight: 1 },
);

/** A JSON text nesting arrays, objects or both, `depth` deep, around a leaf. */
const nested: fc.Arbitrary<string> = fc
  .tuple(depth, fc.constantFrom('array', 'object', 'mixed', 'tree'), fc.constantFrom('"x"', '1', 'null', '{}', '[]', `"${'y'.repeat(300)}"`))
  .map(([d, shape, leaf]) => {
    if (shape === 'array') return deepArray(d, leaf);
    if (shape === 'object') return deepObject(d, leaf);
    if (shape === 'tree') return deepTree(d);
    // Alternate: an array around an object around an array…
    return `${'[{"k":'.repeat(Math.ceil(d / 2))}${leaf}${'}]'.repeat(Math.ceil(d / 2))}`;
  });

/** A long string or key: up to 200,000 characters, some of them outside ASCII. */
const long: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('a', 'é', '😀', '\\', '\u0000')).map(([n, c]) => JSON.stringify(c.repeat(n)));

/** A value for a validated field: nested, long, or a long key. */
const fieldValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: nested, weight: 6 },
  { arbitrary: long, weight: 1 },
  { arbitrary: long.map((key) => `{${key}:1}`), weight: 1 },
);

/**
 * Frames a server receives, with a hostile value in every validated field: request
 * payloads (a plain string field, a `t.recursion` codec, unchecked), subscription
 * params, and the envelope's own fields.
 */
export const hostileServerFrame: fc.Arbitrary<string> = fc.oneof(
  fieldValue.map((v) => `{"type":"req","id":"1","name":"echo","payload":{"text":${v}}}`),
  fieldValue.map((v) => `{"type":"req","id":"2","name":"echo","payload":${v}}`),
  fc.oneof(nested, fc.integer({ min: 1, max: 6000 }).map(deepTree)).map((v) => `{"type":"req","id":"3","name":"plant","payload":${v}}`),
  fieldValue.map((v) => `{"type":"req","id":"4","name":"weird","payload":{"what":${v}}}`),
  fieldValue.map((v) => `{"type":"sub","id":"s","channel":"feed","params":{"id":${v}}}`),
  fieldValue.map((v) => `{"type":"sub","id":"t","channel":"forest","params":{"root":${v}}}`),
  fieldValue.map((v) => `{"type":"unsub","id":${v}}`),
  fieldValue.map((v) => `{"type":"sub","id":"u","channel":"feed","params":{"id":"a"},"since":${v}}`),
  fieldValue.map((v) => `{"type":"sub","id":"v","channel":"feed","params":{"id":"a"},"since":{"epoch":${v},"offset":${v}}}`),
  fieldValue.map((v) => `{"type":"req","id":${v},"name":"echo","payload":{"text":"x"}}`),
  // Batches: a hostile list, and hostile values in the frames of a well-formed one.
  fieldValue.map((v) => `{"type":"batch","frames":${v}}`),
  fieldValue.map((v) => `{"type":"batch","frames":[{"type":"sub","id":"w","channel":"feed","params":{"id":${v}}},{"type":"unsub","id":${v}},{"type":"sub","id":"x","channel":"forest","params":{"root":${v}}}]}`),
);

/** Frames a client receives, with a hostile value in every validated field of each kind of frame. */
export const hostileClientFrame: fc.Arbitrary<string> = fc.oneof(
  fieldValue.map((v) => `{"type":"msg","id":"1","offset":1,"data":{"n":1,"text":${v}}}`),
  fieldValue.map((v) => `{"type":"msg","id":"1","epoch":${v},"offset":${v},"data":{"n":1,"text":"x"}}`),
  fieldValue.map((v) => `{"type":"msg","id":"2","data":${v}}`),
  fieldValue.map((v) => `{"type":"event","name":"note","data":{"text":${v}}}`),
  fieldValue.map((v) => `{"type":"res","id":"r1","data":{"text":${v}}}`),
  fieldValue.map((v) => `{"type":"res","id":"r1","error":{"code":"X","message":"m","data":${v}}}`),
  fieldValue.map((v) => `{"type":"error","id":"1","code":${v},"message":${v}}`),
  fieldValue.map((v) => `{"type":"gap","id":"1","epoch":"E","from":${v},"to":2}`),
  fieldValue.map((v) => `{"type":"gap","id":"1","epoch":${v},"lost":${v}}`),
  fieldValue.map((v) => `{"type":"subscribed","id":"1","epoch":${v},"offset":${v}}`),
  fieldValue.map((v) => `{"type":${v}}`),
);

/** The seed of every fuzz run: `FUZZ_SEED=<n>` replays one; each run prints the one it used. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);

/** `count` values of `arbitrary`, reproducible from {@link FUZZ_SEED}. */
export function sample<T>(arbitrary: fc.Arbitrary<T>, count: number): T[] {
  console.log(`fuzz: ${count.toLocaleString('en')} samples with seed ${FUZZ_SEED} (replay with FUZZ_SEED=${FUZZ_SEED})`);
  return fc.sample(arbitrary, { numRuns: count, seed: FUZZ_SEED });
}

/**
 * `count` values of `arbitrary`, made a thousand at a time (chunk i from seed
 * FUZZ_SEED + i), so that large hostile frames never all sit in memory at once.
 */
export function* sampleLazily<T>(arbitrary: fc.Arbitrary<T>, count: number, chunk = 1000): Generator<T> {
  console.log(`fuzz: ${count.toLocaleString('en')} samples in chunks of ${chunk} with seed ${FUZZ_SEED} (replay with FUZZ_SEED=${FUZZ_SEED})`);
  for (let made = 0, i = 0; made < count; made += chunk, i++) {
    yield* fc.sample(arbitrary, { numRuns: Math.min(chunk, count - made), seed: FUZZ_SEED + i });
  }
}

/**
 * Records every `uncaughtException` and `unhandledRejection` while it is installed, so
 * that a test fails on them instead of the process dying (or vitest only warning).
 */
export function watchCrashes(): { readonly crashes: unknown[]; stop(): void } {
  const crashes: unknown[] = [];
  const record = (error: unknown) => void crashes.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    crashes,
    stop() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
    },
  };
}
