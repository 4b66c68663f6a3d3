import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'server/index': 'src/server/index.ts', 'redis/index': 'src/redis/index.ts', 'graphql/index': 'src/graphql/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Shared chunks in both formats, so that each class exists once per format: an error
  // thrown by rxwire/server's code is `instanceof` the class imported from rxwire.
  splitting: true,
  target: 'es2022',
  // rxjs is a peer dependency; ws is only ever passed in by the user (WebSocketCtor).
  external: ['rxjs', 'rxjs/testing', 'rxjs/webSocket', 'ws', 'io-ts', 'fp-ts', 'ioredis'],
});
