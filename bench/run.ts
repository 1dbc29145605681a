/**
 * `pnpm bench [filter]`: runs every `<pkg>/bench/*.bench.ts` one after another (never in
 * parallel: they would measure each other), collects the JSON lines each prints, writes
 * bench/results/<bench-file>.json and bench/results/summary.md, and prints a summary table.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const filter = process.argv[2];

const BenchLine = z.looseObject({ bench: z.string(), metric: z.string(), value: z.number().nullable(), unit: z.string().optional() });
type BenchLine = z.infer<typeof BenchLine>;

function findBenches(): string[] {
  const found: string[] = [];
  for (const group of ['packages', 'services', 'simulators', 'test']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    const dirs = group === 'simulators' ? [base] : readdirSync(base).map((d) => join(base, d));
    for (const dir of dirs) {
      const benchDir = join(dir, 'bench');
      if (!existsSync(benchDir)) continue;
      for (const f of readdirSync(benchDir)) if (f.endsWith('.bench.ts')) found.push(join(benchDir, f));
    }
  }
  return found.sort().filter((f) => !filter || f.includes(filter));
}

function runOne(file: string): Promise<{ lines: BenchLine[]; code: number | null; seconds: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
    const lines: BenchLine[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        process.stdout.write(line + '\n');
        try {
          const parsed = BenchLine.safeParse(JSON.parse(line));
          if (parsed.success) lines.push(parsed.data);
        } catch {
          // not a result line: already echoed
        }
      }
    });
    child.on('close', (code) => resolve({ lines, code, seconds: (Date.now() - started) / 1000 }));
  });
}

function fmt(v: number | null): string {
  if (v === null) return '—';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(4)).toString();
}

const benches = findBenches();
mkdirSync(resultsDir, { recursive: true });
const rows: string[] = ['| bench | metric | value | unit |', '| --- | --- | --- | --- |'];
let failed = 0;
for (const file of benches) {
  const rel = relative(root, file);
  process.stderr.write(`\n== ${rel}\n`);
  const { lines, code, seconds } = await runOne(file);
  const name = `${rel.split('/').slice(0, -2).join('-')}-${basename(file, '.bench.ts')}`;
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ file: rel, exitCode: code, seconds, at: new Date().toISOString(), results: lines }, null, 2));
  if (code !== 0) failed++;
  for (const l of lines) rows.push(`| ${l.bench} | ${l.metric} | ${fmt(l.value)} | ${l.unit ?? ''} |`);
  if (code !== 0) rows.push(`| ${rel} | exit code | ${code} | failed |`);
}
const table = rows.join('\n');
writeFileSync(join(resultsDir, 'summary.md'), `# Benchmarks (${new Date().toISOString()})\n\n${table}\n`);
console.error(`\n${table}\n\n${benches.length} benchmark file(s), ${failed} failed; results in bench/results/`);
process.exitCode = failed ? 1 : 0;
