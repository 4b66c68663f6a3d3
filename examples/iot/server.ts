import { createServer, ForbiddenError, RequestError } from '../../src/server/index';
import type { Broker, Server } from '../../src/server/index';
import { createHome, type Home } from './home';
import { smartHome } from './protocol';

/** Who lives in the home, by token. A real server would verify a signed token instead. */
export interface Resident {
  readonly name: string;
  readonly devices: readonly string[];
}

/** The demo's residents by token. */
export const residents: Record<string, Resident> = {
  'token-alice': { name: 'alice', devices: ['oven-1', 'dishwasher-1', 'fridge-1'] },
  'token-bob': { name: 'bob', devices: ['oven-2'] },
  'token-evicted': { name: 'eve', devices: [] },
};

/** Options of {@link startIotServer}. */
export interface IotServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Milliseconds per simulation tick (2000 in the demo). */
  tickMs?: number;
  /** The home to serve; pass the same one to a restarted server so its devices carry on. */
  home?: Home;
  /** The broker; pass the same one to a restarted server so clients recover what they missed. */
  broker?: Broker;
}

/** A running smart-home server. */
export interface IotServer {
  readonly server: Server<typeof smartHome, Resident>;
  readonly home: Home;
  readonly url: string;
  /** Stops the simulation and the server. */
  stop(): Promise<void>;
}

/**
 * The smart-home server: token authentication at the upgrade, each resident allowed
 * to read and control their own devices only, device states published every tick,
 * alerts sent to the devices' owners.
 */
export async function startIotServer(options: IotServerOptions = {}): Promise<IotServer> {
  const { port = 0, tickMs = 2000, home = createHome(), broker } = options;
  const owns = (resident: Resident, id: string) => resident.devices.includes(id);

  const server = await createServer<typeof smartHome, Resident>({
    protocol: smartHome,
    port,
    broker,
    authenticate: ({ token }) => {
      const resident = token === undefined ? undefined : residents[token];
      if (resident && resident.devices.length === 0) throw new ForbiddenError('no devices');
      return resident;
    },
    authorize: (resident, _channel, params) => owns(resident, (params as { id: string }).id),
  });

  server.handle('setTarget', ({ id, target }, { connection }) => {
    const device = home.devices.get(id);
    if (!device || !owns(connection.principal, id)) throw new RequestError('FORBIDDEN', `not your device: ${id}`);
    if (device.kind !== 'oven') throw new RequestError('NOT_AN_OVEN', `${id} has no target temperature`);
    if (target < 0 || target > 300) throw new RequestError('OUT_OF_RANGE', 'targets go from 0 to 300 °C', { min: 0, max: 300 });
    home.devices.set(id, { ...device, target });
    return { id, target };
  });
  server.handle('setDoor', ({ id, open }, { connection }) => {
    const device = home.devices.get(id);
    if (!device || device.kind !== 'fridge' || !owns(connection.principal, id)) throw new RequestError('FORBIDDEN', `not your fridge: ${id}`);
    home.devices.set(id, { ...device, doorOpen: open });
    return { id, open };
  });

  const publishAll = async () => {
    for (const [id, state] of home.devices) await server.publish('device', { id }, state);
  };
  const timer = setInterval(() => {
    const alerts = home.tick();
    void publishAll().then(() => {
      for (const alert of alerts) server.emit('alert', alert, (c) => owns(c.principal, alert.device));
    });
  }, tickMs);
  await publishAll(); // every stream has a first state before anyone asks

  return {
    server,
    home,
    url: `ws://127.0.0.1:${server.port}`,
    async stop() {
      clearInterval(timer);
      await server.close();
    },
  };
}
