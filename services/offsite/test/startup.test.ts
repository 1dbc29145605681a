import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckedSites } from '../src/startup.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'services/offsite/src/main.ts');

const entry = (extra: Record<string, unknown> = {}) => ({ mn: '33010600000001', name: 'stack 1', enterprise: 'e', region: '330106', kind: 'air', standard: 'GB 13223-2011', ...extra });

/** `pnpm start` as a process (node + tsx, as the script runs it) on a fresh DATA_DIR; killed if it keeps running. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; dataDir: string }> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'offsite-start-')), 'data');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', HJ212_TCP_PORT: '0', LOG_LEVEL: 'warn', ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr, dataDir });
    });
  });
}

function sitesFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'offsite-sites-')), 'sites.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('start-up checks of the all-in-one (spawned)', { timeout: 40_000 }, () => {
  it.concurrent('an invalid per-site rule override: one line naming entry and field, exit 2, nothing created in DATA_DIR', async () => {
    const file = sitesFile({ sites: [entry(), entry({ mn: '33010600000002', rules: { flatline: { minMinutez: 5 } } })] });
    const r = await start({ SITES_FILE: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^offsite: SITES_FILE .*sites\.json: sites\[1\] \(mn 33010600000002\): rules\.flatline\.minMinutez: .*minMinutez/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(r.dataDir, 'admin-token'))).toBe(false);
    expect(existsSync(r.dataDir)).toBe(false);
  });

  it.concurrent('a missing SITES_FILE or an invalid entry: one line, exit 2, no admin token', async () => {
    const missing = join(tmpdir(), 'offsite-no-such-dir', 'sites.yaml');
    const bad = sitesFile({ sites: [entry({ kind: 'steam' })] });
    const [m, b] = await Promise.all([start({ SITES_FILE: missing }), start({ SITES_FILE: bad })]);
    expect(m.code).toBe(2);
    expect(m.stderr.trim()).toMatch(new RegExp(`^offsite: SITES_FILE ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read: .*ENOENT`));
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toMatch(/^offsite: SITES_FILE .*: 1 problem\(s\): sites\[0\]\.kind \(mn 33010600000001\): /);
    for (const r of [m, b]) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(r.dataDir, 'admin-token'))).toBe(false);
    }
  });
});

describe('loadCheckedSites', () => {
  it('accepts the documented example registry, overrides included', () => {
    const sites = loadCheckedSites(join(ROOT, 'docs/sites.example.yaml'));
    expect(sites.size).toBeGreaterThan(0);
    expect(sites.sites.some((s) => s.rules && Object.keys(s.rules).length > 0)).toBe(true);
  });

  it('names the entry and the field of a bad override', () => {
    expect(() => loadCheckedSites(sitesFile({ sites: [entry({ rules: { 'no-such-rule': {} } })] }))).toThrow(/sites\[0\] \(mn 33010600000001\): rules\.no-such-rule: unknown rule id/);
  });
});
