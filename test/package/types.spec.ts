import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

const run = promisify(execFile);
const app = inject('app');
const tsc = resolve(import.meta.dirname, '../../node_modules/typescript/bin/tsc');

describe('TypeScript consumers of the installed package (strict, skipLibCheck off)', () => {
  beforeAll(() => {
    // The same consumer as CommonJS (node16 resolves the `require` types) and as ESM.
    copyFileSync(join(app, 'consumer.ts'), join(app, 'consumer.cts'));
    copyFileSync(join(app, 'consumer.ts'), join(app, 'consumer.mts'));
  });

  for (const resolution of ['node10', 'node16', 'nodenext', 'bundler']) {
    it(`type-checks with moduleResolution ${resolution}`, async () => {
      const result = await run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: app }).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
      expect(result).toBe('');
    });
  }
});
