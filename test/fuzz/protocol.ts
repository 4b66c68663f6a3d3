import * as t from 'io-ts';
import { defineProtocol } from '../../src/protocol/defineProtocol';

/** A tree of any depth: io-ts walks it recursively, so its depth is an attack surface. */
export interface Tree {
  readonly value: number;
  readonly children: readonly Tree[];
}
export const Tree: t.Type<Tree> = t.recursion('Tree', () => t.type({ value: t.number, children: t.readonlyArray(Tree) }));

/** The protocol the hostile-input tests attack: a plain string field, a recursive codec, an unchecked reply. */
export const target = defineProtocol({
  channels: {
    feed: { params: t.type({ id: t.string }), message: t.type({ n: t.number, text: t.string }) },
    forest: { params: t.type({ root: Tree }), message: Tree },
  },
  events: { note: t.type({ text: t.string }) },
  requests: {
    echo: { request: t.type({ text: t.string }), response: t.type({ text: t.string }) },
    plant: { request: Tree, response: t.type({ ok: t.boolean }) },
    // The reply is not checked (t.unknown): what the handler returns goes to JSON as it is.
    weird: { request: t.type({ what: t.string }), response: t.unknown, error: t.unknown },
  },
});

/** A JSON text of `inner` nested `depth` levels deep in arrays (`[[[…]]]`), built as text: no recursion. */
export function deepArray(depth: number, inner = '"x"'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

/** A JSON text of `inner` nested `depth` levels deep in objects (`{"a":{"a":…}}`). */
export function deepObject(depth: number, inner = '1', key = 'a'): string {
  return `${`{"${key}":`.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

/** A JSON text of a Tree `depth` levels deep. */
export function deepTree(depth: number): string {
  return `${'{"value":1,"children":['.repeat(depth)}${']}'.repeat(depth)}`;
}
