import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'server/index': 'src/server/index.ts', 'redis/index': 'src/redis/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2020',
  // rxjs is a peer dependency; ws is only ever passed in by the user (WebSocketCtor).
  external: ['rxjs', 'rxjs/testing', 'rxjs/webSocket', 'ws', 'io-ts', 'fp-ts', 'ioredis'],
});
