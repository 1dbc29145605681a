import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPacket } from '../src/index.js';
import { readFixture } from './helpers.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function run(mode: string, stdin: string | Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', CLI, mode], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const samples = readFixture('samples.jsonl');

describe('hj212 CLI (spawned)', () => {
  it('parse: one JSON line per input line, in order, exit 0', async () => {
    const input = samples.map((s) => s.raw).join('\r\n') + '\r\n\nnot a frame\n';
    const { code, stdout } = await run('parse', input);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { ok: boolean; packet?: Record<string, unknown>; error?: { code: string } });
    expect(lines).toHaveLength(samples.length + 2);
    samples.forEach((s, i) => {
      const out = lines[i];
      expect(out?.ok, `line ${i + 1}`).toBe(!s.expectReject);
      if (!s.expectReject) expect(out?.packet).toMatchObject({ st: s.expect?.ST, cn: s.expect?.CN, mn: s.expect?.MN, version: s.version });
    });
    expect(lines[9]?.packet).toMatchObject({ qn: '20230318000500321', flag: 5, pnum: null, pno: null, crc: 'B2C1', cp: { 'w01018-Avg': '22.9' } });
    expect(lines[samples.length - 2]?.error?.code).toBe('CRC_MISMATCH');
    expect(lines[samples.length]?.error?.code).toBe('EMPTY_LINE');
    expect(lines[samples.length + 1]?.error?.code).toBe('BAD_HEADER');
  }, 30_000);

  it('parse | build reproduces the frames, bad lines become error lines', async () => {
    const good = samples.filter((s) => !s.expectReject).map((s) => s.raw);
    const parsed = await run('parse', good.join('\n') + '\n');
    const built = await run('build', parsed.stdout + '{"st":"31"\n\n{"st":"31","cn":"2011","mn":"A;B"}\n');
    expect(built.code).toBe(0);
    const out = built.stdout.trimEnd().split('\n');
    expect(out.slice(0, good.length)).toEqual(good);
    expect(JSON.parse(out[good.length] as string)).toMatchObject({ ok: false, error: { code: 'BAD_JSON' } });
    expect(JSON.parse(out[good.length + 1] as string)).toMatchObject({ ok: false, error: { code: 'EMPTY_LINE' } });
    expect(JSON.parse(out[good.length + 2] as string)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', part: 'MN' } });
  }, 30_000);

  it('build accepts a cp object and a cp list', async () => {
    const lines = [
      JSON.stringify({ st: '31', cn: '2011', mn: 'M1', pw: '1', flag: 5, qn: '20240101000000000', cp: { DataTime: '20240101080000', 'a21026-Rtd': 1.5 } }),
      JSON.stringify({ st: '31', cn: '9014', mn: 'M1', flag: 4, cp: [] }),
    ];
    const { stdout } = await run('build', lines.join('\n'));
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      buildPacket({ st: '31', cn: '2011', mn: 'M1', pw: '1', flag: 5, qn: '20240101000000000', cp: { DataTime: '20240101080000', 'a21026-Rtd': '1.5' } }, { crlf: false }),
      buildPacket({ st: '31', cn: '9014', mn: 'M1', flag: 4, cp: [] }, { crlf: false }),
    ]);
  }, 30_000);

  it('streams many lines and survives a very long line', async () => {
    const raw = samples[0]?.raw as string;
    const input = Buffer.concat([Buffer.from(`${raw}\n`.repeat(3000)), Buffer.alloc(2 * 1024 * 1024, 0x41), Buffer.from(`\n${raw}\n`)]);
    const { code, stdout } = await run('parse', input);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3002);
    expect(JSON.parse(lines[3000] as string)).toMatchObject({ ok: false, error: { code: 'TOO_LONG' } });
    expect(JSON.parse(lines[3001] as string)).toMatchObject({ ok: true });
  }, 60_000);
});
