import { bootstrapApplication } from '@angular/platform-browser';
import { appConfig } from './app/app.config';
import { App } from './app/app';
import type { HomeConfig } from './app/home-client';

// The server's URL is deployment configuration, read at start-up from config.json
// beside index.html (examples/angular/serve.ts serves the running server's).
fetch('config.json')
  .then((response) => response.json() as Promise<HomeConfig>)
  .then((config) => bootstrapApplication(App, appConfig(config)))
  .catch((error: unknown) => console.error(error));
