/**
 * What `npm run demo:angular` and test/examples/angular.spec.ts share: preparing the
 * Angular example (rxwire built, the example's dependencies installed, the app built)
 * and a small static server for the built app that tells it where the iot server is.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** The repository's root. */
export const root = resolve(import.meta.dirname, '../..');
/** The Angular example. */
export const exampleDir = import.meta.dirname;
/** Where `ng build` writes the browser files. */
export const browserDir = join(exampleDir, 'dist/rxwire-angular-example/browser');

/** What the app reads from `config.json` at start-up (the app's `HomeConfig`). */
export interface HomeConfig {
  readonly server: string;
  readonly token: string;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
}

const same = (a: string, b: string) => existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));

/**
 * Builds rxwire if `dist/` is missing, and installs the example's dependencies (`npm ci`)
 * if they are missing or hold an older build of rxwire: `"rxwire": "file:../.."` is
 * installed as a copy of the package (install-links, see .npmrc), not as a symlink.
 */
export function prepare(log: (line: string) => void = console.log): void {
  if (!existsSync(join(root, 'dist/index.js'))) {
    log('» building rxwire (npm run build)…');
    run('npm', ['run', 'build'], root);
  }
  const installed = join(exampleDir, 'node_modules/rxwire/dist');
  const fresh = ['index.js', 'index.d.ts'].every((file) => same(join(root, 'dist', file), join(installed, file)));
  if (!existsSync(join(exampleDir, 'node_modules/@angular/core')) || !fresh) {
    log('» installing the example’s dependencies (npm ci in examples/angular)…');
    run('npm', ['ci', '--no-audit', '--no-fund'], exampleDir);
  }
}

/** The result of {@link buildApp}. */
export interface AppBuild {
  /** Whether `ng build` exited with 0. */
  readonly ok: boolean;
  /** Everything it printed. */
  readonly output: string;
  /** Milliseconds it took. */
  readonly ms: number;
}

/** `ng build` in production mode (the default configuration), its output collected. */
export function buildApp(): Promise<AppBuild> {
  const started = Date.now();
  const ng = join(exampleDir, 'node_modules/@angular/cli/bin/ng.js');
  const child = spawn(process.execPath, [ng, 'build', '--configuration', 'production'], {
    cwd: exampleDir,
    env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ ok: code === 0, output, ms: Date.now() - started }));
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** A running static server. */
export interface AppServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the built app on 127.0.0.1, with `config.json` answered from `config()` (so
 * the app finds the iot server wherever it listens); any other path without an
 * extension gets index.html, as a single-page app's host does.
 */
export async function serveApp(config: () => HomeConfig, port = 0): Promise<AppServer> {
  const http: Server = createServer((request, response) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (path === '/config.json') {
      response.writeHead(200, { 'Content-Type': TYPES['.json']!, 'Cache-Control': 'no-store' }).end(JSON.stringify(config()));
      return;
    }
    const file = normalize(join(browserDir, extname(path) ? path : 'index.html'));
    if (!file.startsWith(browserDir + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolveClose) => {
        http.closeAllConnections();
        http.close(() => resolveClose());
      }),
  };
}
