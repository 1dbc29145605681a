/**
 * pnpm --silent simulate --list
 * pnpm --silent simulate --scenario NAME [--devices N] [--seed S] [--start ISO] [--duration 6h]
 *   [--interval 60s] [--speed 3600|max] (--mqtt URL | --tcp host:port | --out FILE)
 *   [--truth truth.jsonl] [--sites sites.json]
 * Progress and errors on stderr; stdout only carries --list / --describe / --out - output.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { formatDataTime } from '@offsite/domain';
import { parseDuration } from './duration.js';
import { parseHostPort } from './fleet.js';
import { generateScenario, listScenarios } from './generate.js';
import type { RunStats, Speed } from './pace.js';
import { runMqtt } from './transport/mqtt.js';
import { runTcp } from './transport/tcp.js';
import { truthToJsonl } from './truth.js';

class UsageError extends Error {}

const options = {
  list: { type: 'boolean' },
  describe: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  scenario: { type: 'string' },
  devices: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  duration: { type: 'string' },
  interval: { type: 'string' },
  speed: { type: 'string' },
  mqtt: { type: 'string' },
  tcp: { type: 'string' },
  out: { type: 'string' },
  truth: { type: 'string' },
  sites: { type: 'string' },
  qos: { type: 'string' },
  connections: { type: 'string' },
  'ack-timeout': { type: 'string' },
  linger: { type: 'string' },
  'topic-prefix': { type: 'string' },
} as const;

const intArg = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `--${name} must be at least ${min}`);

const Args = z
  .object({
    scenario: z.string({ error: '--scenario is required (see --list)' }).refine((n) => listScenarios().some((s) => s.name === n), {
      error: (iss) => `--scenario "${String(iss.input)}" is unknown; known: ${listScenarios().map((s) => s.name).join(', ')}`,
    }),
    devices: intArg('devices', 1).default(2),
    seed: z.string().regex(/^-?\d+$/, '--seed must be an integer').transform(Number).default(1),
    start: z
      .string()
      .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && Number.isFinite(Date.parse(s)), '--start must be an ISO date-time, e.g. 2024-03-01T00:00:00+08:00')
      .transform((s) => Date.parse(s))
      .optional(),
    duration: z.string().transform((s, ctx) => wrap(() => parseDuration(s, '--duration'), ctx)).optional(),
    interval: z.string().transform((s, ctx) => wrap(() => parseDuration(s, '--interval'), ctx)).default(60_000),
    speed: z
      .string()
      .refine((s) => s === 'max' || (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0), '--speed must be a positive number (simulated seconds per real second) or "max"')
      .transform((s): Speed => (s === 'max' ? 'max' : Number(s)))
      .default('max'),
    mqtt: z.string().refine((u) => /^(mqtts?|wss?|tcp):\/\/.+/.test(u), '--mqtt must be a URL like mqtt://127.0.0.1:1883').optional(),
    tcp: z.string().transform((s, ctx) => wrap(() => parseHostPort(s, '--tcp'), ctx)).optional(),
    out: z.string().min(1, '--out needs a file name (or - for stdout)').optional(),
    truth: z.string().min(1).optional(),
    sites: z.string().min(1).optional(),
    qos: z.enum(['0', '1'], { error: '--qos must be 0 or 1' }).transform((q) => Number(q) as 0 | 1).default(1),
    connections: intArg('connections', 1).optional(),
    'ack-timeout': z.string().transform((s, ctx) => wrap(() => parseDuration(s, '--ack-timeout'), ctx)).default(5000),
    linger: z.string().transform((s, ctx) => wrap(() => parseDuration(s, '--linger'), ctx)).default(2000),
    'topic-prefix': z.string().regex(/^[^#+]+$/, '--topic-prefix must not contain MQTT wildcards').default('hj212'),
  })
  .refine((a) => [a.mqtt, a.tcp, a.out].filter((x) => x !== undefined).length === 1, {
    error: 'choose exactly one output: --mqtt URL, --tcp host:port or --out FILE',
  });

function wrap<T>(f: () => T, ctx: z.RefinementCtx): T {
  try {
    return f();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
}

const HELP = `usage:
  simulate --list                      scenario names, one per line
  simulate --describe                  names with descriptions (tab-separated)
  simulate --scenario NAME [--devices N] [--seed S] [--start ISO] [--duration 6h] [--interval 60s]
           [--speed 3600|max] (--mqtt URL | --tcp host:port | --out FILE|-) [--truth F.jsonl] [--sites F.json]
           [--qos 0|1] [--connections N] [--ack-timeout 5s] [--linger 2s] [--topic-prefix hj212]
  --out FILE writes one frame per line (CRLF-terminated); FILE.jsonl writes {mn,cn,dataTime,sendAt,frame}.`;

function progress(line: string): void {
  process.stderr.write(`[simulate] ${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (v.list || v.describe) {
    for (const s of listScenarios()) process.stdout.write(v.describe ? `${s.name}\t${s.description}\n` : `${s.name}\n`);
    return 0;
  }
  const r = Args.safeParse(v);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => i.message).join('; '));
  const a = r.data;

  const run = generateScenario({ name: a.scenario, devices: a.devices, seed: a.seed, start: a.start, durationMs: a.duration, intervalMs: a.interval });
  if (a.truth) writeFileSync(a.truth, truthToJsonl(run.truth));
  if (a.sites) writeFileSync(a.sites, JSON.stringify({ sites: run.sites }, null, 2) + '\n');
  progress(`${run.name}: ${run.devices.length} device(s), ${new Date(run.start).toISOString()} → ${new Date(run.end).toISOString()}, ${run.truth.length} truth window(s)`);
  const onProgress = (p: { simTime: number; sent: number; elapsedMs: number }) =>
    progress(`sim ${new Date(p.simTime).toISOString()} (${Math.round((100 * (p.simTime - run.start)) / (run.end - run.start))}%), ${p.sent} packets, ${Math.round(p.sent / (p.elapsedMs / 1000))}/s`);

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const session = { ackTimeoutMs: a['ack-timeout'] };
  let stats: RunStats | null = null;
  if (a.out !== undefined) {
    await writePackets(a.out, run.packets, onProgress);
  } else if (a.mqtt) {
    stats = await runMqtt({ url: a.mqtt, devices: run.devices, packets: run.packets, start: run.start, speed: a.speed, qos: a.qos, connections: a.connections, topicPrefix: a['topic-prefix'], session, lingerMs: a.linger, onProgress, signal: stop.signal });
  } else if (a.tcp) {
    stats = await runTcp({ ...a.tcp, devices: run.devices, packets: run.packets, start: run.start, speed: a.speed, session, lingerMs: a.linger, onProgress, signal: stop.signal });
  }
  if (stats) progress(`done: ${JSON.stringify({ ...stats, elapsedMs: Math.round(stats.elapsedMs), packetsPerSecond: Math.round(stats.packetsPerSecond) })}`);
  return 0;
}

async function writePackets(file: string, packets: Iterable<{ mn: string; cn: string; dataTime: number; sendAt: number; frame: string }>, onProgress: (p: { simTime: number; sent: number; elapsedMs: number }) => void): Promise<void> {
  const out: NodeJS.WritableStream = file === '-' ? process.stdout : createWriteStream(file);
  const jsonl = file.endsWith('.jsonl');
  const began = performance.now();
  let n = 0;
  let last = began;
  for (const p of packets) {
    const line = jsonl ? JSON.stringify({ mn: p.mn, cn: p.cn, dataTime: formatDataTime(p.dataTime), sendAt: new Date(p.sendAt).toISOString(), frame: p.frame.trimEnd() }) + '\n' : p.frame;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    n++;
    if (n % 5000 === 0 && performance.now() - last > 1000) {
      last = performance.now();
      onProgress({ simTime: p.sendAt, sent: n, elapsedMs: last - began });
    }
  }
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()));
  progress(`wrote ${n} packets to ${file} in ${Math.round(performance.now() - began)} ms`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`simulate: ${(err as Error).message}\n`);
    if (err instanceof UsageError) process.stderr.write(`${HELP}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
