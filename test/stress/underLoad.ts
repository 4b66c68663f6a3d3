// Runs the timing-sensitive suites (the chaos test and the Redis tests) RUNS times in a
// row while two busy processes load this machine's two cores, and prints how many runs
// passed. Usage: npm run test:under-load [-- <runs>] (default 10). Every part is
// bounded: each busy process stops by itself after BUSY_LIMIT_MS, each run after
// RUN_LIMIT_MS; the busy processes are killed when the runs end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

const RUNS = Number(process.argv[2] ?? 10);
const SUITES = ['test/chaos', 'test/redis'];
const RUN_LIMIT_MS = 5 * 60_000;
const BUSY_LIMIT_MS = RUNS * RUN_LIMIT_MS;

// A busy process: a tight loop on the CPU, which ends by itself after BUSY_LIMIT_MS.
const busyLoop = `const end = Date.now() + ${BUSY_LIMIT_MS}; let x = 0; while (Date.now() < end) { for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); }`;
const busy: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', busyLoop], { stdio: 'ignore' }));
const stopBusy = () => busy.forEach((child) => child.kill('SIGKILL'));
process.on('exit', stopBusy);

let passed = 0;
for (let run = 1; run <= RUNS; run++) {
  const started = Date.now();
  const result = spawnSync('npx', ['vitest', 'run', ...SUITES], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: RUN_LIMIT_MS,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ok = result.status === 0;
  if (ok) passed += 1;
  const summary = /Tests\s+(.*)/.exec(result.stdout)?.[1]?.trim() ?? `no summary (status ${result.status}, signal ${result.signal})`;
  console.log(`run ${run}/${RUNS}: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s (${summary})`);
  if (!ok) console.log(result.stdout.split('\n').filter((line) => /FAIL|×|AssertionError|Error:|expected/.test(line)).slice(0, 10).join('\n'));
}
stopBusy();
console.log(`${passed} of ${RUNS} runs passed under load (two busy processes on ${SUITES.join(' and ')})`);
process.exit(passed === RUNS ? 0 : 1);
