// Global setup of the package tests: build, `npm pack`, and install the tarball into a
// scratch app outside the repository, as a user would, with the peer dependencies at
// the versions this repository is tested with. The tests then only ever load rxwire
// from that install, never from src/.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

const root = resolve(import.meta.dirname, '../..');
const versionOf = (name: string): string => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The scratch app with the packed rxwire installed. */
    app: string;
    /** The packed tarball. */
    tarball: string;
  }
}

export default function setup(project: TestProject): () => void {
  const scratch = mkdtempSync(join(tmpdir(), 'rxwire-package-'));
  const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

  if (process.env.RXWIRE_SKIP_BUILD !== '1') run('npm', ['run', 'build'], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], root)) as Array<{ filename: string }>;
  const tarball = join(scratch, packed[0]!.filename);

  const app = join(scratch, 'app');
  cpSync(join(import.meta.dirname, 'fixtures'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }, null, 2));
  // Peers at the versions the repository is tested with; the npm cache of `npm ci` serves them.
  const peers = ['rxjs', 'io-ts', 'fp-ts', 'ws', 'ioredis', '@types/ws', '@types/node'].map((name) => `${name}@${versionOf(name)}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball, ...peers], app);

  project.provide('app', app);
  project.provide('tarball', tarball);
  return () => {
    if (process.env.RXWIRE_KEEP_SCRATCH === '1') console.log(`scratch app kept at ${app}`);
    else rmSync(scratch, { recursive: true, force: true });
  };
}

/** The entry points the package exports (every key of `exports` but package.json). */
export function entryPoints(): string[] {
  const exportsField = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>;
  return Object.keys(exportsField)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'rxwire' : `rxwire/${key.slice(2)}`));
}

/** Files in a directory, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
