import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePacket } from '@offsite/hj212';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTruthJsonl } from '../src/truth.js';

// The outside-check contract of `pnpm --silent simulate`, run as a process (node + tsx, as the script does, without npx's start-up).
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simulate(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const common = ['--devices', '3', '--seed', '7', '--start', '2026-01-01T00:00:00Z', '--duration', '6h', '--speed', 'max'];

// Each spawn pays tsx start-up (~1 s, more on a loaded machine): generous timeouts, runs in parallel.
describe('simulate CLI (spawned)', { timeout: 30_000 }, () => {
  it('--list prints one scenario name a line', async () => {
    const { code, stdout } = await simulate('--list');
    expect(code).toBe(0);
    const names = stdout.trimEnd().split('\n');
    for (const name of ['honest', 'startup-shutdown', 'calibration-maintenance', 'breach', 'flatline', 'zero-value', 'stuck-at-range', 'dilution', 'bunching', 'copied-segment', 'converted-mismatch', 'flag-abuse', 'data-gap', 'late-data', 'clock-skew', 'sensor-drift', 'low-variance', 'correlation-break']) {
      expect(names).toContain(name);
    }
  });

  it('--out / --truth: same seed gives the same bytes; frames parse; truth lines name device, pollutant, pattern, start, end', async () => {
    const outputs = await Promise.all(
      [1, 2].map(async (k) => {
        const out = join(dir, `p${k}.txt`);
        const truth = join(dir, `t${k}.jsonl`);
        const r = await simulate('--scenario', 'dilution', ...common, '--out', out, '--truth', truth);
        expect(r.code, r.stderr).toBe(0);
        return { packets: readFileSync(out), truth: readFileSync(truth, 'utf8') };
      }),
    );
    const [a, b] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
    expect(a.packets.equals(b.packets)).toBe(true);
    expect(a.truth).toBe(b.truth);
    const frames = a.packets.toString('utf8').split('\r\n').filter((l) => l !== '');
    expect(frames.length).toBeGreaterThan(1000);
    expect(new Set(frames.map((f) => parsePacket(f).mn)).size).toBe(3);
    const labels = parseTruthJsonl(a.truth);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) {
      expect(l).toMatchObject({ device: expect.any(String), pattern: 'dilution', start: expect.any(String), end: expect.any(String) });
      expect(l).toHaveProperty('pollutant');
      expect(Date.parse(l.end)).toBeGreaterThan(Date.parse(l.start));
    }
  });

  it('a bad argument exits non-zero with a message naming it', async () => {
    const [badDuration, unknown] = await Promise.all([
      simulate('--scenario', 'dilution', ...common.slice(0, -4), '--duration', '6x', '--out', join(dir, 'x.txt')),
      simulate('--scenario', 'no-such-scenario', ...common, '--out', join(dir, 'x.txt')),
    ]);
    expect(badDuration.code).not.toBe(0);
    expect(badDuration.stderr).toContain('--duration');
    expect(badDuration.stderr).toContain('6x');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no-such-scenario');
  });
});
