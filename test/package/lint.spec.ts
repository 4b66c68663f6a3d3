import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { publint } from 'publint';
import { readFile } from 'node:fs/promises';

const run = promisify(execFile);
const tarball = inject('tarball');
const root = resolve(import.meta.dirname, '../..');

describe('package linters on the packed tarball', () => {
  it('publint reports no problem (suggestions included)', async () => {
    const bytes = await readFile(tarball);
    const { messages } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
    expect(messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
  });

  it('are-the-types-wrong reports no problem in any resolution (node10, node16 from CJS and ESM, bundler)', async () => {
    const attw = resolve(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const { stdout } = await run(process.execPath, [attw, tarball, '--format', 'json'], { cwd: root }).catch((e: { stdout: string }) => e);
    const report = JSON.parse(stdout) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  });
});
