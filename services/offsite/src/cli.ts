/**
 * `pnpm --silent offsite users add --name N --role R --region CODE` (also `users list`).
 * While the server runs, it goes through the admin API (an embedded database has one owner);
 * when nothing answers on HTTP_PORT, it opens DATA_DIR (or DATABASE_URL) directly.
 * The new token is printed once, on the last line of stdout.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PGlite } from '@electric-sql/pglite';
import { Role, RegionCode, SiteIndex } from '@offsite/domain';
import { createLeadStore } from '@offsite/lead-store';
import { createLeadService, ADMIN_TOKEN_FILE, SYSTEM_CALLER, ensureAdminToken } from '@offsite/leads';
import { createLogger, loadConfig, sharedEnv } from '@offsite/runtime';

const USAGE = `usage:
  offsite users add --name NAME --role operator|officer|supervisor|admin --region CODE
  offsite users list
options: --url http://127.0.0.1:8080 (default from HTTP_PORT), --token ADMIN_TOKEN (default: env, then DATA_DIR/admin-token)`;

const NewUserArgs = z.object({ name: z.string().min(1, '--name is required'), role: Role, region: RegionCode });

class CliError extends Error {}

async function adminToken(env: { ADMIN_TOKEN?: string | undefined; DATA_DIR: string }, flag?: string): Promise<string | null> {
  if (flag) return flag;
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  try {
    return (await readFile(join(env.DATA_DIR, ADMIN_TOKEN_FILE), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

/** Through the running server; null when no server answers (then the caller goes direct). */
async function viaApi(url: string, token: string | null, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown | null> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return null;
  }
  const text = await res.text();
  if (!res.ok) throw new CliError(`server at ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

async function direct<T>(env: z.infer<typeof sharedEnv>, run: (svc: ReturnType<typeof createLeadService>) => Promise<T>): Promise<T> {
  const logger = createLogger('offsite-cli', 'warn');
  if (!env.DATABASE_URL) await mkdir(env.DATA_DIR, { recursive: true });
  const pglite = env.DATABASE_URL ? null : new PGlite(join(env.DATA_DIR, 'pglite'));
  const store = await createLeadStore(env, pglite ? { db: pglite } : {});
  try {
    await ensureAdminToken({ store, dataDir: env.DATA_DIR, envToken: env.ADMIN_TOKEN, print: (line) => process.stderr.write(`${line}\n`) });
    return await run(createLeadService({ store, sites: new SiteIndex(), logger }));
  } finally {
    await store.close();
    await pglite?.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, region: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const env = loadConfig(sharedEnv);
  const url = values.url ?? `http://127.0.0.1:${env.HTTP_PORT}`;
  const token = await adminToken(env, values.token);
  const [noun, verb] = positionals;
  if (noun === 'users' && verb === 'add') {
    const parsed = NewUserArgs.safeParse({ name: values.name, role: values.role, region: values.region });
    if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    const viaServer = (await viaApi(url, token, 'POST', '/api/v1/users', parsed.data)) as { user: { id: string }; token: string } | null;
    const created = viaServer ?? (await direct(env, (svc) => svc.users.add(SYSTEM_CALLER, parsed.data)));
    process.stderr.write(`user ${created.user.id} (${parsed.data.role}, region ${parsed.data.region}) added ${viaServer ? `through ${url}` : `in ${env.DATABASE_URL ? 'DATABASE_URL' : env.DATA_DIR}`}; the token is shown once:\n`);
    process.stdout.write(`${created.token}\n`);
    return;
  }
  if (noun === 'users' && verb === 'list') {
    const viaServer = (await viaApi(url, token, 'GET', '/api/v1/users')) as { items: unknown[] } | null;
    const users = viaServer?.items ?? (await direct(env, (svc) => svc.users.list(SYSTEM_CALLER)));
    for (const u of users) process.stdout.write(`${JSON.stringify(u)}\n`);
    return;
  }
  throw new CliError(`unknown command: ${positionals.join(' ')}\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`offsite: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
