import { Broken, NotApplicable, ensure, show } from './broken';
import { describeClose, type Attempt } from './peer';
import type { Kit } from './kit';
import type { RuleSpec } from './rule';

/** The longest native ping interval the liveness rules wait for. */
const MAX_PING_WAIT = 5000;

/** Connecting, acceptance, authentication at the upgrade, and liveness. */
export const acceptanceRules: readonly RuleSpec[] = [
  {
    id: 'accept.welcome',
    section: 'connecting',
    description: 'An accepted peer gets a `welcome` first, with a string `connection` and an integer `ping` > 0 (ms).',
    check: async (kit) => {
      const { welcome } = await kit.connect();
      ensure(typeof welcome.connection === 'string', `"connection" is not a string: ${show(welcome)}`);
      ensure(typeof welcome.ping === 'number' && Number.isSafeInteger(welcome.ping) && welcome.ping > 0, `"ping" is not an integer > 0: ${show(welcome)}`);
    },
  },
  {
    id: 'accept.subprotocol',
    section: 'connecting',
    description: 'Offered `rxwire` and a `bearer.<token>` entry, the server selects `rxwire`, never the token entry.',
    check: async (kit) => {
      const value = kit.options.tokens?.accepted ?? 'conformance';
      const peer = await kit.connect({ token: { value, via: 'protocol' }, protocols: ['rxwire'] });
      ensure(peer.protocol === 'rxwire', `the server selected ${JSON.stringify(peer.protocol)}, not "rxwire"`);
    },
  },
  {
    id: 'accept.no-subprotocol',
    section: 'connecting',
    description: 'A peer that offers no subprotocol at all is accepted (the subprotocol is not required).',
    check: async (kit) => {
      const { tokens } = kit.options;
      await kit.connect({ protocols: [], token: tokens ? { value: tokens.accepted, via: 'query' } : null });
    },
  },
  ...(['protocol', 'query', 'header'] as const).map(
    (via): RuleSpec => ({
      id: `auth.token.${via}`,
      section: 'connecting',
      description: `An accepted token is accepted when it comes ${via === 'protocol' ? 'as a `bearer.<token>` subprotocol entry' : via === 'query' ? 'as the `token` query parameter' : 'in an `Authorization: Bearer` header'}.`,
      skip: (options) => (options.tokens ? undefined : 'no tokens given'),
      check: async (kit) => void (await kit.connect({ token: { value: kit.options.tokens!.accepted, via } })),
    }),
  ),
  refusal('auth.unauthorized', 'refused', 4401, 401),
  refusal('auth.forbidden', 'forbidden', 4403, 403),
  {
    id: 'http.upgrade-timeout',
    section: 'connecting',
    description: 'An upgrade request whose headers do not all arrive within `upgradeTimeout` is answered HTTP 408.',
    needsAcceptance: false,
    skip: (options) => {
      const timeout = options.limits?.upgradeTimeout;
      if (timeout === undefined) return 'limits.upgradeTimeout not given';
      if (timeout > 10_000) return 'upgradeTimeout longer than 10 s';
      return options.url.startsWith('ws://') ? undefined : 'only checked on ws:// URLs';
    },
    check: async (kit) => {
      const { url, limits, timeout } = kit.options;
      const status = await partialUpgrade(new URL(url), limits!.upgradeTimeout! + timeout + 1000);
      ensure(status.startsWith('HTTP/1.1 408'), `the stalled upgrade got ${status ? JSON.stringify(status) : 'no answer'}, not HTTP/1.1 408`);
    },
  },
  {
    id: 'ping.pong',
    section: 'ping',
    description: 'A `ping` frame is answered with a `pong` frame.',
    check: async (kit) => {
      const peer = await kit.connect();
      peer.send({ type: 'ping' });
      const frame = await peer.next('a pong', kit.options.timeout);
      ensure(frame.type === 'pong', `the ping was answered with ${show(frame)}`);
    },
  },
  {
    id: 'liveness.native-ping',
    section: 'liveness',
    description: 'The server sends native WebSocket pings, at least one within twice the `ping` interval of its `welcome`.',
    check: async (kit) => {
      const peer = await kit.connect();
      const interval = pingInterval(peer.welcome.ping);
      ensure(await peer.pinged(1, 2 * interval + kit.options.timeout), `no native ping within ${2 * interval + kit.options.timeout} ms`);
    },
  },
  {
    id: 'liveness.no-pong',
    section: 'liveness',
    description: 'A peer that does not answer native pings is dropped within about twice the `ping` interval.',
    check: async (kit) => {
      const peer = await kit.connect({ autoPong: false });
      const interval = pingInterval(peer.welcome.ping);
      await peer.closed('the server to drop a peer that does not answer pings', 3 * interval + kit.options.timeout);
    },
  },
];

/** The announced ping interval, when it is short enough to wait for. */
function pingInterval(ping: unknown): number {
  if (typeof ping !== 'number' || !(ping > 0)) throw new Broken(`the welcome has no ping interval: ${show(ping)}`);
  if (ping > MAX_PING_WAIT) throw new NotApplicable(`the ping interval (${ping} ms) is longer than ${MAX_PING_WAIT} ms: too long to wait for`);
  return ping;
}

/** A rule that a token of `kind` is refused with `code` (or HTTP `status`) and no `welcome`. */
function refusal(id: string, kind: 'refused' | 'forbidden', code: number, status: number): RuleSpec {
  return {
    id,
    section: 'connecting',
    description: `A ${kind === 'refused' ? 'refused' : 'forbidden'} token gets no \`welcome\`: the upgrade is accepted and closed with ${code} (HTTP ${status} with \`refuseWith: 'http'\`).`,
    needsAcceptance: false,
    skip: (options) => (options.tokens?.[kind] === undefined ? `tokens.${kind} not given` : undefined),
    check: async (kit) => {
      const value = kit.options.tokens![kind]!;
      const attempt = await kit.attempt({ token: { value, via: kit.options.tokens!.via ?? 'protocol' } });
      await expectRefusal(kit, attempt, code, status);
    },
  };
}

async function expectRefusal(kit: Kit, attempt: Attempt, code: number, status: number): Promise<void> {
  if (kit.options.refuseWith === 'http') {
    ensure(attempt.kind === 'http' && attempt.status === status, `expected HTTP ${status}; ${describe(attempt)}`);
    return;
  }
  ensure(attempt.kind === 'open', `expected the upgrade to be accepted, then closed with ${code}; ${describe(attempt)}`);
  const closed = await attempt.peer.closed(`a close with ${code}`, kit.options.timeout);
  const frames = await attempt.peer.quiet(0);
  ensure(frames.length === 0, `frames came before the close: ${show(frames)}`);
  ensure(closed.code === code, `closed with ${describeClose(closed)}, not ${code}`);
}

function describe(attempt: Attempt): string {
  if (attempt.kind === 'http') return `got HTTP ${attempt.status}`;
  if (attempt.kind === 'error') return `the connection failed: ${attempt.message}`;
  return 'the upgrade was accepted';
}

/** Sends the start of an upgrade request and waits for the status line, up to `ms`. */
async function partialUpgrade(url: URL, ms: number): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, ''));
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received.split('\r\n')[0] ?? '');
    };
    const timer = setTimeout(done, ms);
    socket.on('connect', () => socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n`));
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (received.includes('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}
