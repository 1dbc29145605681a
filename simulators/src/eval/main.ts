/**
 * pnpm eval [--scenario NAME]... [--devices N] [--seed S] [--slack 30m] [--json]
 * Runs every scenario through the detection engine and prints precision/recall per rule,
 * and false anomalies per honest site-day. Progress on stderr.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { listScenarios } from '../generate.js';
import type { TruthLabel } from '../truth.js';
import { evaluateScenario } from './run.js';
import { score } from './score.js';
import type { Anomaly } from '@offsite/domain';

const Args = z.object({
  scenario: z.array(z.string()).default([]),
  devices: z.string().regex(/^\d+$/, '--devices must be a whole number').transform(Number).default(4),
  seed: z.string().regex(/^-?\d+$/, '--seed must be an integer').transform(Number).default(1),
  slack: z.string().default('30m'),
  json: z.boolean().default(false),
});

function main(): number {
  const { values } = parseArgs({
    options: { scenario: { type: 'string', multiple: true }, devices: { type: 'string' }, seed: { type: 'string' }, slack: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const r = Args.safeParse(values);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
  const a = r.data;
  const slackMs = parseDuration(a.slack, '--slack');
  const known = listScenarios().map((s) => s.name);
  for (const s of a.scenario) if (!known.includes(s)) throw new Error(`--scenario "${s}" is unknown; known: ${known.join(', ')}`);
  const names = a.scenario.length ? a.scenario : known.filter((n) => n !== 'mixed');

  const truth: TruthLabel[] = [];
  const anomalies: Anomaly[] = [];
  const honest = new Map<string, number>();
  const perScenario: Array<{ scenario: string; packets: number; deadLetters: number; truth: number; anomalies: number; byRule: Record<string, number> }> = [];
  for (const name of names) {
    const t0 = performance.now();
    const e = evaluateScenario({ name, devices: a.devices, seed: a.seed });
    truth.push(...e.truth);
    anomalies.push(...e.anomalies);
    for (const [mn, d] of e.honestDevices) honest.set(mn, d);
    const byRule: Record<string, number> = {};
    for (const an of e.anomalies) byRule[an.rule] = (byRule[an.rule] ?? 0) + 1;
    perScenario.push({ scenario: name, packets: e.packets, deadLetters: e.deadLetters, truth: e.truth.length, anomalies: e.anomalies.length, byRule });
    process.stderr.write(`[eval] ${name}: ${e.packets} packets, ${e.truth.length} truth window(s), ${e.anomalies.length} anomalies ${JSON.stringify(byRule)} (${Math.round(performance.now() - t0)} ms)\n`);
  }
  const s = score(anomalies, truth, honest, slackMs);
  if (a.json) {
    process.stdout.write(JSON.stringify({ ...s, scenarios: perScenario }) + '\n');
    return 0;
  }
  const pct = (v: number | null) => (v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
  process.stdout.write(`rule                  truth  hit  recall   anomalies matched precision\n`);
  for (const x of s.rules) {
    process.stdout.write(`${x.rule.padEnd(20)} ${String(x.truthWindows).padStart(6)} ${String(x.hit).padStart(4)}  ${pct(x.recall)}  ${String(x.anomalies).padStart(9)} ${String(x.matched).padStart(7)}  ${pct(x.precision)}\n`);
  }
  process.stdout.write(`\nfalse anomalies per honest site-day: ${s.falsePerHonestSiteDay.toFixed(3)} (${s.honestAnomalies} on ${s.honestDeviceDays.toFixed(1)} honest device-days)\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`eval: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
