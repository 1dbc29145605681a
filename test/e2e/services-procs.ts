/**
 * The production shape: each service in its own Node process (`services/<name>/src/main.ts` under
 * tsx, as docker-compose.yml runs them), configured only through its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export type ServiceName = 'ingest' | 'archive' | 'detect' | 'leads' | 'console';

export interface ServiceProcess {
  name: ServiceName;
  httpPort: number;
  env: Record<string, string>;
  child: ChildProcess;
  /** Last lines of stdout + stderr (pino JSON), for failure messages. */
  tail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `services/<name>/src/main.ts` with exactly `env` (plus PATH/HOME) and HTTP_PORT. */
export function spawnService(name: ServiceName, httpPort: number, env: Record<string, string>): ServiceProcess {
  const fullEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, HTTP_PORT: String(httpPort) };
  const child = spawn(process.execPath, ['--import', 'tsx', join('services', name, 'src', 'main.ts')], { cwd: repoRoot, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 400) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, httpPort, env, child, tail: () => lines.slice(-40).join('\n'), exited };
}

/** Waits until GET /healthz answers 200; throws with the process's last log lines otherwise. */
export async function waitHealthy(p: ServiceProcess, timeoutMs = 90_000): Promise<{ status: number; body: unknown }> {
  const end = Date.now() + timeoutMs;
  let exit: { code: number | null } | null = null;
  void p.exited.then((e) => (exit = e));
  let last = 'no answer';
  while (Date.now() < end) {
    if (exit) throw new Error(`${p.name} exited (code ${(exit as { code: number | null }).code}) before it was healthy:\n${p.tail()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${p.httpPort}/healthz`, { signal: AbortSignal.timeout(3_000) });
      const body: unknown = await res.json().catch(() => null);
      if (res.status === 200) return { status: res.status, body };
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name} not healthy on :${p.httpPort} after ${timeoutMs} ms (${last}):\n${p.tail()}`);
}

/** SIGTERM, then the exit code and how long the graceful shutdown took (SIGKILL after `killAfterMs`). */
export async function stopService(p: ServiceProcess, killAfterMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  if (p.child.exitCode !== null || p.child.signalCode !== null) return { ...(await p.exited), ms: 0 };
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), killAfterMs);
  const e = await p.exited;
  clearTimeout(timer);
  return { ...e, ms: Date.now() - t0 };
}

/** The same service again, same port and environment (a restart). */
export function respawn(p: ServiceProcess): ServiceProcess {
  return spawnService(p.name, p.httpPort, p.env);
}
