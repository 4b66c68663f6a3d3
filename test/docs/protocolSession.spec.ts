import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalize, recordSession } from './protocolSession';

const MARKER = '<!-- recorded by test/docs/protocolSession.ts -->';

/** The lines of the first code block after the marker in docs/protocol.md. */
function documented(): string[] {
  const text = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const at = text.indexOf(MARKER);
  if (at < 0) throw new Error(`docs/protocol.md has no ${MARKER}`);
  const block = /```[^\n]*\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!block) throw new Error('no code block after the marker');
  return block[1]!.split('\n');
}

describe('the example session of docs/protocol.md', () => {
  it('is what a real run of the server gives, epochs aside', async () => {
    expect(normalize(documented())).toEqual(normalize(await recordSession()));
  });
});
