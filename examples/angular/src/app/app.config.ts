import { type ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideHomeClient, type HomeConfig } from './home-client';

/** The application's providers, with the server read from `config.json`. */
export function appConfig(home: HomeConfig): ApplicationConfig {
  return {
    providers: [
      provideBrowserGlobalErrorListeners(),
      provideHomeClient(home, { reconnect: { initialDelay: 500, maxDelay: 5000 } }),
    ],
  };
}
