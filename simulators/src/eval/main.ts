/**
 * pnpm eval [--scenario NAME]... [--devices N] [--seed S]... [--slack 30m] [--json] [--details]
 * Runs every scenario through the detection engine and prints, per rule, precision and recall
 * over the scenarios' ground truth, all rules pooled (micro-averaged), and false anomalies per
 * honest site-day: first as JSON lines (one per rule, one `"rule":"overall"`, then one summary
 * line), then as a table. `--json` prints the JSON lines only;
 * `--details` lists every false anomaly and missed truth window on stderr. Progress on stderr.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { listScenarios } from '../generate.js';
import type { TruthLabel } from '../truth.js';
import { evaluateScenario } from './run.js';
import { matches, score } from './score.js';
import type { Anomaly } from '@offsite/domain';

const Args = z.object({
  scenario: z.array(z.string()).default([]),
  devices: z.string().regex(/^\d+$/, '--devices must be a whole number').transform(Number).default(8),
  seed: z.array(z.string().regex(/^-?\d+$/, '--seed must be an integer').transform(Number)).default(['1'].map(Number)),
  slack: z.string().default('30m'),
  json: z.boolean().default(false),
  details: z.boolean().default(false),
});

function main(): number {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', multiple: true },
      devices: { type: 'string' },
      seed: { type: 'string', multiple: true },
      slack: { type: 'string' },
      json: { type: 'boolean' },
      details: { type: 'boolean' },
    },
    strict: true,
  });
  const r = Args.safeParse(values);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
  const a = r.data;
  if (a.devices < 1) throw new Error('--devices must be at least 1');
  const slackMs = parseDuration(a.slack, '--slack');
  const known = listScenarios().map((s) => s.name);
  for (const s of a.scenario) if (!known.includes(s)) throw new Error(`--scenario "${s}" is unknown; known: ${known.join(', ')}`);
  const names = a.scenario.length ? a.scenario : known.filter((n) => n !== 'mixed');

  const truth: TruthLabel[] = [];
  const anomalies: Anomaly[] = [];
  const honest = new Map<string, number>();
  for (const seed of a.seed) {
    for (const name of names) {
      const t0 = performance.now();
      const e = evaluateScenario({ name, devices: a.devices, seed });
      // MNs repeat across seeds: keep runs apart by suffixing the seed.
      const tag = (mn: string) => (a.seed.length > 1 ? `${mn}#${seed}` : mn);
      truth.push(...e.truth.map((l) => ({ ...l, mn: tag(l.mn), device: tag(l.device) })));
      anomalies.push(...e.anomalies.map((an) => ({ ...an, mn: tag(an.mn) })));
      for (const [mn, d] of e.honestDevices) honest.set(tag(mn), d);
      const byRule: Record<string, number> = {};
      for (const an of e.anomalies) byRule[an.rule] = (byRule[an.rule] ?? 0) + 1;
      process.stderr.write(`[eval] seed ${seed} ${name}: ${e.packets} packets, ${e.deadLetters} dead letters, ${e.truth.length} truth window(s), ${e.anomalies.length} anomalies ${JSON.stringify(byRule)} (${Math.round(performance.now() - t0)} ms)\n`);
    }
  }
  const s = score(anomalies, truth, honest, slackMs);
  if (a.details) printDetails(anomalies, truth, slackMs);
  for (const x of s.rules) process.stdout.write(JSON.stringify({ kind: 'rule', ...x }) + '\n');
  process.stdout.write(JSON.stringify({ kind: 'overall', rule: 'overall', ...s.overall }) + '\n');
  process.stdout.write(
    JSON.stringify({ kind: 'summary', falsePerHonestSiteDay: s.falsePerHonestSiteDay, honestAnomalies: s.honestAnomalies, honestDeviceDays: s.honestDeviceDays, devices: a.devices, seeds: a.seed, scenarios: names.length, slackMs }) + '\n',
  );
  if (a.json) return 0;
  const pct = (v: number | null) => (v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
  const row = (name: string, x: { truthWindows: number; hit: number; recall: number | null; anomalies: number; matched: number; precision: number | null }) =>
    `${name.padEnd(20)} ${String(x.truthWindows).padStart(6)} ${String(x.hit).padStart(4)}  ${pct(x.recall)}  ${String(x.anomalies).padStart(9)} ${String(x.matched).padStart(7)}  ${pct(x.precision)}\n`;
  process.stdout.write(`\nrule                  truth  hit  recall   anomalies matched precision\n`);
  for (const x of s.rules) {
    process.stdout.write(row(x.rule, x));
  }
  process.stdout.write(`${'-'.repeat(71)}\n${row('overall', s.overall)}`);
  process.stdout.write(`overall = all rules pooled (micro-average); macro mean over rules: recall ${pct(s.overall.macroRecall).trim()}, precision ${pct(s.overall.macroPrecision).trim()}\n`);
  process.stdout.write(`\nfalse anomalies per honest site-day: ${s.falsePerHonestSiteDay.toFixed(3)} (${s.honestAnomalies} on ${s.honestDeviceDays.toFixed(1)} honest device-days)\n`);
  return 0;
}

/** Every anomaly that matches no truth window, and every truth window no anomaly hit (stderr). */
function printDetails(anomalies: readonly Anomaly[], truth: readonly TruthLabel[], slackMs: number): void {
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
  for (const an of anomalies) {
    if (truth.some((l) => matches(an, l, slackMs))) continue;
    process.stderr.write(`[false] ${an.rule} ${an.mn} ${an.pollutant ?? '-'} ${iso(an.start)}–${iso(an.end)}: ${an.evidence.summary}\n`);
  }
  for (const l of truth) {
    if (anomalies.some((an) => matches(an, l, slackMs))) continue;
    const near = anomalies.filter((an) => an.mn === l.mn).map((an) => an.rule);
    process.stderr.write(`[miss] ${l.pattern} ${l.mn} ${l.pollutant ?? '-'} ${l.start.slice(0, 16)}–${l.end.slice(0, 16)} (device raised: ${[...new Set(near)].join(', ') || 'nothing'})\n`);
  }
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`eval: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
