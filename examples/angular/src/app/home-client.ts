import { DestroyRef, InjectionToken, inject, makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { createClient, type Client, type ClientOptions } from 'rxwire';
import { smartHome } from './home.protocol';

/** The smart home's client, typed by its protocol. */
export type HomeClient = Client<typeof smartHome>;

/** Where the server is and who is asking, as `config.json` beside `index.html` says. */
export interface HomeConfig {
  /** The server's `ws:` or `wss:` URL. */
  readonly server: string;
  /** The resident's token (a real app would get it from its login). */
  readonly token: string;
}

/** What a test or an app may tune; the URL, the protocol and the token come from the config. */
export type HomeClientOptions = Omit<ClientOptions<typeof smartHome>, 'url' | 'protocol' | 'auth'>;

/** The one client of the application. Inject it; never create a client in a component. */
export const HOME_CLIENT = new InjectionToken<HomeClient>('rxwire smart-home client');

/**
 * Provides {@link HOME_CLIENT}: created on first injection (and connected on the first
 * subscription, as every rxwire client), closed with 1000 when the application is
 * destroyed.
 */
export function provideHomeClient(config: HomeConfig, options: HomeClientOptions = {}): EnvironmentProviders {
  return makeEnvironmentProviders([
    {
      provide: HOME_CLIENT,
      useFactory: (): HomeClient => {
        const client = createClient({
          ...options,
          url: config.server,
          protocol: smartHome,
          // A browser sends the token as a `bearer.<token>` subprotocol entry (the default).
          auth: { token: () => config.token },
        });
        inject(DestroyRef).onDestroy(() => client.close());
        return client;
      },
    },
  ]);
}
