/** The peer benchmark's child processes: its servers and one client process per run, all killed at the end. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ['--import', 'tsx'];

/** Child processes still alive, so that every exit path can kill them. */
const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a server process and resolves with its first stdout line. */
export function startServer(file: string, timeoutMs = 30_000): Promise<{ child: ChildProcess; line: string }> {
  const child = track(spawn(process.execPath, [...tsx, here(file)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, line: out.slice(0, newline).trim() });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it started`));
    });
  });
}

/** Runs one client process and resolves with its last stdout line, parsed. */
export function runClient(args: string[], timeoutMs: number): Promise<Record<string, number>> {
  const child = track(spawn(process.execPath, ['--expose-gc', ...tsx, here('./client.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += String(chunk)));
    child.stderr!.on('data', (chunk: Buffer) => (err += String(chunk)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      if (code === 0 && last) {
        try {
          resolve(JSON.parse(last) as Record<string, number>);
          return;
        } catch {
          // fall through
        }
      }
      reject(new Error(`client ${args.join(' ')} exited with ${code}: ${err.trim().slice(-500)}`));
    });
  });
}
