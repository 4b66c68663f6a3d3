import { BehaviorSubject, Observable, catchError, combineLatest, EMPTY, map, merge, scan, shareReplay, startWith } from 'rxjs';
import { createClient } from '../../src/index';
import type { Client, ConnectionState, WebSocketConstructor } from '../../src/index';
import { smartHome, type Alert, type DeviceState } from './protocol';

/** What the terminal view shows. */
export interface HomeView {
  readonly connection: ConnectionState;
  readonly reconnects: number;
  readonly devices: ReadonlyMap<string, DeviceState>;
  readonly alerts: readonly Alert[];
  readonly problems: readonly string[];
}

/** Options of {@link watchHome}. */
export interface WatchHomeOptions {
  url: string;
  token: string;
  deviceIds: readonly string[];
  WebSocketCtor?: WebSocketConstructor;
}

/**
 * Connects to the smart-home server and routes `device` updates and `alert` events into
 * one view model. A device the server refuses shows up in `problems`, the others carry on.
 */
export function watchHome(options: WatchHomeOptions): { client: Client<typeof smartHome>; view$: Observable<HomeView> } {
  const client = createClient({
    url: options.url,
    WebSocketCtor: options.WebSocketCtor,
    protocol: smartHome,
    auth: { token: () => options.token, via: 'query' },
    reconnect: { initialDelay: 250, maxDelay: 2000 },
    heartbeat: { interval: 5000, timeout: 5000 },
  });
  const problems = new BehaviorSubject<string[]>([]);
  const devices$ = merge(
    ...options.deviceIds.map((id) =>
      client.channel('device', { id }).pipe(
        catchError((error: Error) => {
          problems.next([...problems.value, `${id}: ${error.message}`]);
          return EMPTY;
        }),
      ),
    ),
  ).pipe(
    scan((all, device) => new Map(all).set(device.id, device), new Map<string, DeviceState>()),
    startWith(new Map<string, DeviceState>()),
  );
  const alerts$ = client.event('alert').pipe(
    scan((all, alert) => [...all, alert].slice(-5), [] as Alert[]),
    startWith([] as Alert[]),
  );
  // Every open after the first is a reconnect.
  const reconnects$ = client.state$.pipe(
    scan((opens, state) => (state.status === 'open' ? opens + 1 : opens), 0),
    map((opens) => Math.max(0, opens - 1)),
  );
  const view$ = combineLatest([client.state$, reconnects$, devices$, alerts$, problems]).pipe(
    map(([connection, reconnects, devices, alerts, problemList]) => ({ connection, reconnects, devices, alerts, problems: problemList })),
    // One view for every observer: late subscribers get the latest, not an empty home.
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  return { client, view$ };
}
