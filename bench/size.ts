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
 * Today's ceilings where a budget is not met yet: the size test fails above these, so
 * the client cannot grow while the budget is out of reach (docs/benchmarks.md says what
 * meeting it would take). Lower them as the client shrinks; remove one once its budget
 * is met.
 */
export const CEILINGS: Partial<Record<keyof typeof BUDGETS, number>> = {
  // Raised from 20,400 / 9,100 by issues 13 and 14 (acceptance, connectTimeout, maxDepth,
  // bounded error previews, epoch/offset positions), then from 21,900 / 10,600 by issue
  // 17's client parts (+0.9 KB) and WireAdapter v2 (+0.6 KB), then to 23,900 / 12,400
  // by batch frames (their flush at the end of the turn brings RxJS's asapScheduler):
  // see docs/benchmarks.md. Issue 16's storm work replaced RxJS's WebSocketSubject with
  // the socket attempt's own handlers: everything bundled fell (23.8 -> 23.7 KB), rxwire's
  // own share rose (12.3 -> 13.3 KB), as code moved from RxJS into rxwire. Then to
  // 24,100 / 13,650 by batched answers (the client reading server batch frames, each
  // frame as if alone, and asking for them only where its maxPayload takes one):
  // 23.7 -> 24.0 KB and 13.3 -> 13.6 KB.
  everything: 24_100,
  own: 13_650,
};

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
  const external = ['rxjs', 'rxjs/webSocket', 'io-ts', 'fp-ts'];
  const everything = await measure(join(here, 'size-entries/rxwire.js'), { alias });
  const own = await measure(join(here, 'size-entries/rxwire.js'), { alias, external });
  const reconnectAlone = await measure(join(here, 'size-entries/reconnect.js'), { alias, external });
  const verdict = (size: Size, budget: number): string => `${kb(budget)}: ${size.gzipped <= budget ? 'met' : `not met (${kb(size.gzipped - budget)} over)`}`;
  console.log('| rxwire | minified | min + gzip | budget |');
  console.log('|---|---|---|---|');
  console.log(`| browser client, everything bundled (rxwire + rxjs + io-ts) | ${kb(everything.minified)} | ${kb(everything.gzipped)} | ${verdict(everything, BUDGETS.everything)} |`);
  console.log(`| browser client, rxwire's own share (rxjs, io-ts external) | ${kb(own.minified)} | ${kb(own.gzipped)} | ${verdict(own, BUDGETS.own)} |`);
  console.log(`| \`reconnect\` alone, over the RxJS it uses | ${kb(reconnectAlone.minified)} | ${kb(reconnectAlone.gzipped)} | ${verdict(reconnectAlone, BUDGETS.reconnect)} |`);
  console.log();
  const peers: Array<[string, string]> = [
    ['RxJS `webSocket` alone (one multiplexed channel, no reconnection)', 'rxjs-websocket.js'],
    ['socket.io-client', 'socketio.js'],
    ['graphql-ws', 'graphql-ws.js'],
    ['centrifuge', 'centrifuge.js'],
    ['partysocket', 'partysocket.js'],
    ['@stomp/rx-stomp (with rxjs and @stomp/stompjs)', 'rx-stomp.js'],
  ];
  console.log('| client, everything bundled | minified | min + gzip |');
  console.log('|---|---|---|');
  console.log(`| rxwire (createClient, defineProtocol, one channel; with rxjs and io-ts) | ${kb(everything.minified)} | ${kb(everything.gzipped)} |`);
  for (const [name, file] of peers) {
    const size = await measure(join(here, 'size-entries', file));
    console.log(`| ${name} | ${kb(size.minified)} | ${kb(size.gzipped)} |`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
