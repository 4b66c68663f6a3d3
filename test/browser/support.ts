import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createServer, memoryBroker, type Broker, type Server, type ServerOptions, type StreamPosition } from '../../src/server';
import { smartHome } from '../support/smartHome';
import type { PageClientOptions, PageRecord } from './page';
import { statsNow } from '../support/stats';

/** Debian's chromium, which the browser tests drive (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is not installed, and CI needs it (.ci/run installs it with apt-get)`);
  console.warn(`\n*** ${CHROMIUM} is not installed: the browser tests are SKIPPED (apt-get install -y chromium) ***\n`);
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The client bundled for the browser from src/index.ts (with the page's helpers), as one script. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: ['test/browser/page.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>rxwire browser test</title><script src="/rxwire.js"></script></head><body></body></html>`;

/**
 * One Chromium (a fresh profile) and an HTTP server on 127.0.0.1 that serves the test
 * page and the bundle. Each test opens its own page; errors thrown in a page are kept
 * in `pageErrors` (a test expects none).
 */
export class BrowserRig {
  readonly pageErrors: string[] = [];
  private readonly pages: Page[] = [];

  private constructor(
    readonly context: BrowserContext,
    private readonly http: HttpServer,
    private readonly profile: string,
    readonly origin: string,
  ) {}

  static async launch(): Promise<BrowserRig> {
    const script = await bundle();
    const http = createHttpServer((request, response) => {
      if (request.url === '/') response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(HTML);
      else if (request.url === '/rxwire.js') response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
      else response.writeHead(404).end();
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const profile = mkdtempSync(join(tmpdir(), 'rxwire-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    return new BrowserRig(context, http, profile, `http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  }

  /** A new page with the bundle loaded. */
  async page(): Promise<Page> {
    const page = await this.context.newPage();
    this.pages.push(page);
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    await page.goto(`${this.origin}/`);
    await page.waitForFunction(() => typeof window.rxwirePage === 'object');
    return page;
  }

  /** Closes every page (and so every client in them) and takes the network back online. */
  async reset(): Promise<void> {
    for (const page of this.pages.splice(0)) await page.close();
    await this.context.setOffline(false);
    this.pageErrors.length = 0;
  }

  async close(): Promise<void> {
    await this.context.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Starts the page's client (see page.ts `start`). */
export function startClient(page: Page, options: PageClientOptions): Promise<void> {
  return page.evaluate((o) => window.rxwirePage.start(o), options);
}

/** What the page's client did so far. */
export function snapshot(page: Page): Promise<PageRecord> {
  return page.evaluate(() => window.rxwirePage.snapshot());
}

/**
 * Resolves with the page's record once `predicate` holds for it, polling from Node (a
 * page whose timers are stalled cannot poll itself); rejects after `timeoutMs`.
 */
export async function until(page: Page, predicate: (record: PageRecord) => boolean, what: string, timeoutMs = 5000): Promise<PageRecord> {
  const started = Date.now();
  for (;;) {
    const record = await snapshot(page);
    if (predicate(record)) return record;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the page recorded ${JSON.stringify(record)}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The statuses of `state$` in order, with consecutive repeats collapsed. */
export function statuses(record: PageRecord): string[] {
  return record.states.map((s) => s.status).filter((s, i, all) => i === 0 || s !== all[i - 1]);
}

type Home = typeof smartHome;

/** An upgrade as `authenticate` saw it. */
export interface SeenUpgrade {
  readonly token: string | undefined;
  readonly url: string;
  /** The `Sec-WebSocket-Protocol` header the browser sent. */
  readonly protocols: string | undefined;
  readonly origin: string | undefined;
}

/**
 * A real rxwire server on 127.0.0.1 (port 0 the first time), restartable on the same
 * port with the same broker (its history), recording every upgrade it was asked for.
 * `authenticate` gets each token; by default every token is accepted.
 */
export class BrowserServer {
  server: Server<Home, unknown> | undefined;
  port = 0;
  readonly upgrades: SeenUpgrade[] = [];

  constructor(
    readonly broker: Broker,
    private readonly options: Partial<ServerOptions<Home, unknown>> = {},
  ) {}

  static async start(options: Partial<ServerOptions<Home, unknown>> = {}, broker: Broker = memoryBroker()): Promise<BrowserServer> {
    return new BrowserServer(broker, options).start();
  }

  async start(): Promise<this> {
    const authenticate = this.options.authenticate ?? ((): unknown => 'anyone');
    this.server = await createServer<Home, unknown>({
      protocol: smartHome,
      ...this.options,
      port: this.port,
      broker: this.broker,
      authenticate: (context) => {
        this.upgrades.push(seenUpgrade(context.request, context.token));
        return authenticate(context);
      },
    });
    this.port = this.server.port;
    this.server.handle('setTarget', ({ target }) => ({ ok: true, target }));
    return this;
  }

  /** Closes the server (1001 to every peer), keeping the port and the broker for {@link start}. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/live`;
  }

  /** Publishes an oven temperature; while stopped, straight into the broker, as another process would. */
  publish(temperature: number): Promise<StreamPosition> {
    const data = { id: 'oven-1', temperature };
    return this.server
      ? this.server.publish('device', { id: 'oven-1' }, data)
      : this.broker.publish(`device\u0000{"id":"oven-1"}`, data).then(({ epoch, offset }) => ({ epoch, offset }));
  }

  /** Resolves once the server holds `n` live subscriptions. */
  async subscriptions(n: number, timeoutMs = 5000): Promise<void> {
    const started = Date.now();
    for (;;) {
      const count = this.server ? statsNow(this.server.stats$).subscriptions : -1;
      if (count === n) return;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} live subscriptions (${count})`);
      await sleep(10);
    }
  }
}

function seenUpgrade(request: IncomingMessage, token: string | undefined): SeenUpgrade {
  const protocols = request.headers['sec-websocket-protocol'];
  return { token, url: request.url ?? '', protocols: Array.isArray(protocols) ? protocols.join(', ') : protocols, origin: request.headers.origin };
}

/** What a browser test file gets from {@link useBrowser}. */
export interface BrowserSuite {
  /** The file's Chromium and page server. */
  rig(): BrowserRig;
  /** A new page with the bundle loaded, closed after the test. */
  page(): Promise<Page>;
  /** A started rxwire server, stopped after the test. */
  server(options?: Partial<ServerOptions<Home, unknown>>, broker?: Broker): Promise<BrowserServer>;
  /** Runs `cleanup` after the test (a proxy to close, a second server to stop). */
  after(cleanup: () => unknown): void;
}

/**
 * The hooks of a browser test file: one Chromium for the file (launched in `beforeAll`),
 * and after each test: no error thrown in its pages, every page, server and proxy closed.
 */
export function useBrowser(): BrowserSuite {
  let rig: BrowserRig | undefined;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    rig = await BrowserRig.launch();
  }, 30_000);
  afterEach(async () => {
    const errors = [...(rig?.pageErrors ?? [])];
    await rig?.reset();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    // An exception thrown in the page is a client defect, whatever the test asserted.
    expect(errors, 'errors thrown in the page').toEqual([]);
  });
  afterAll(async () => {
    await rig?.close();
  });
  const suite: BrowserSuite = {
    rig: () => rig!,
    page: () => rig!.page(),
    async server(options = {}, broker) {
      // A broker passed to a server is not closed with it: one made here is closed after the test.
      const own = broker ?? memoryBroker();
      if (!broker) cleanups.push(() => own.close());
      const server = await BrowserServer.start(options, own);
      cleanups.push(() => server.stop());
      return server;
    },
    after(cleanup) {
      cleanups.push(cleanup);
    },
  };
  return suite;
}
