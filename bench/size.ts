// Size of a browser client, minified and gzipped, measured the same way for rxwire and its
// peers: esbuild bundles one small entry for the browser, minified, and gzip -9 compresses
// it. `npm run bench:size` prints the table that docs/benchmarks.md quotes; the package
// tests (test/package/size.spec.ts) enforce rxwire's budgets on the packed tarball.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one bundle weighs. */
export interface Size {
  /** Minified bytes. */
  readonly minified: number;
  /** Minified and gzipped bytes (level 9). */
  readonly gzipped: number;
  /** The input files that went into the bundle. */
  readonly inputs: readonly string[];
  /** esbuild's warnings. */
  readonly warnings: readonly string[];
}

/** The size budgets of the browser client, in bytes gzipped (1 KB = 1,000 bytes). */
export const BUDGETS = {
  /** rxwire + rxjs + io-ts, all bundled. */
  everything: 20_000,
  /** rxwire's own share, rxjs and io-ts external. */
  own: 8_000,
  /** The `reconnect` operator alone, over the RxJS it uses. */
  reconnect: 2_000,
} as const;

/**
 * Bundles `entry` for the browser (ESM, minified), resolving packages from `nodePaths`
 * first, and returns its size.
 */
export async function measure(entry: string, options: { external?: string[]; alias?: Record<string, string> } = {}): Promise<Size> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: options.external ?? [],
    alias: options.alias ?? {},
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles[0]!.contents;
  return {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs),
    warnings: result.warnings.map((w) => w.text),
  };
}

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..');
  // rxwire as built by `npm run build` (the same files the tarball ships).
  const alias = { rxwire: join(root, 'dist/index.js') };
  const rows: Array<[string, string, Size]> = [
    ['rxwire (createClient, defineProtocol, one channel)', 'rxjs, io-ts, fp-ts', await measure(join(here, 'size/rxwire.js'), { alias })],
    ['rxwire, its own share', 'none (rxjs, io-ts external)', await measure(join(here, 'size/rxwire.js'), { alias, external: ['rxjs', 'io-ts', 'fp-ts'] })],
    ['RxJS `webSocket` alone (one multiplexed channel)', 'rxjs', await measure(join(here, 'size/rxjs-websocket.js'))],
    ['socket.io-client', 'engine.io-client, …', await measure(join(here, 'size/socketio.js'))],
    ['graphql-ws', '—', await measure(join(here, 'size/graphql-ws.js'))],
    ['centrifuge', 'protobufjs? (json build used)', await measure(join(here, 'size/centrifuge.js'))],
    ['partysocket', '—', await measure(join(here, 'size/partysocket.js'))],
    ['@stomp/rx-stomp', 'rxjs, @stomp/stompjs', await measure(join(here, 'size/rx-stomp.js'))],
  ];
  console.log('| client | bundled with it | minified | min + gzip |');
  console.log('|---|---|---|---|');
  for (const [name, bundled, size] of rows) console.log(`| ${name} | ${bundled} | ${kb(size.minified)} | ${kb(size.gzipped)} |`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
