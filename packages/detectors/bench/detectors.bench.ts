// Throughput of the detection engine with every rule on one core, and memory per monitored device.
// Prints one JSON object per line on stdout; progress on stderr.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Factor, Site, type ReadingBatch } from '@offsite/domain';
import { createDetectionEngine } from '../src/index.js';

const T0 = Date.UTC(2024, 4, 1) - 8 * 3_600_000;
const INTERVAL = 30_000;

function site(mn: string): Site {
  return Site.parse({
    mn, name: mn, enterprise: 'bench', region: '330106', kind: 'air', standard: 'ultra-low', o2Ref: 6,
    limits: { a21026: 35, a21002: 50, a34013: 10 }, ranges: { a21026: 200, a21002: 300, a34013: 50 }, normalFlow: 300, ductArea: 30,
  });
}

let seed = 12345;
function rnd(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** A 12-factor real-time batch of an honest coal unit. */
function batch(mn: string, t: number): ReadingBatch {
  const o2 = 6.5 + rnd() * 0.6;
  const so2 = 18 + rnd() * 6;
  const flow = 290 + rnd() * 20;
  const f = (code: string, v: number, d = 1, extra: Record<string, number> = {}) => ({ code, value: Number(v.toFixed(d)), text: v.toFixed(d), flag: 'N' as const, ...extra });
  return {
    mn, st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime: t, receivedAt: t + 3000, protocol: '2017', source: 'json',
    readings: [
      f('a21026', so2, 1, { converted: Number(((so2 * 15) / (21 - o2)).toFixed(1)) }),
      f('a21002', 30 + rnd() * 8), f('a34013', 4 + rnd() * 2), f('a21003', 20 + rnd() * 5), f('a21004', 3 + rnd()),
      f(Factor.o2, o2, 2), f(Factor.flow, flow), f(Factor.velocity, flow / 30 / 0.845 / 0.9, 2), f(Factor.temperature, 50 + rnd()),
      f(Factor.moisture, 10 + rnd()), f(Factor.pressure, -0.3 + rnd() * 0.1, 2), f('a21005', 10 + rnd() * 3),
    ],
  };
}

function throughput(): void {
  const devices = 100;
  const samplesPerDevice = 2 * 60 * 6; // 6 h at 30 s
  const sites = new Map<string, Site>();
  for (let d = 0; d < devices; d++) sites.set(`MN${d}`, site(`MN${d}`));
  const engine = createDetectionEngine({ sites: (mn) => sites.get(mn) });
  // Pre-build batches outside the timed loop (parsing is ingest's job, not ours).
  const chunk = 60;
  let readings = 0;
  let anomalies = 0;
  let elapsed = 0;
  for (let s0 = 0; s0 < samplesPerDevice; s0 += chunk) {
    const bs: ReadingBatch[] = [];
    for (let s = s0; s < s0 + chunk; s++) for (let d = 0; d < devices; d++) bs.push(batch(`MN${d}`, T0 + s * INTERVAL));
    const start = process.hrtime.bigint();
    for (const b of bs) {
      const got = engine.ingest(b);
      anomalies += got.length;
      for (const a of got) process.stderr.write(`anomaly ${a.rule} ${a.pollutant} ${a.evidence.summary.slice(0, 160)}\n`);
      readings += b.readings.length;
    }
    elapsed += Number(process.hrtime.bigint() - start) / 1e9;
  }
  process.stderr.write(`throughput: ${readings} readings in ${elapsed.toFixed(2)} s, ${anomalies} anomalies\n`);
  console.log(JSON.stringify({ bench: 'detectors.engine', metric: 'throughput', value: Math.round(readings / elapsed), unit: 'readings/s', devices, factorsPerBatch: 12, intervalS: INTERVAL / 1000, rules: 'all', anomalies }));
}

/** The root bench runner starts node without --expose-gc: enable it at run time (garbage would count as memory). */
function runtimeGc(): (() => void) | undefined {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? (gc as () => void) : undefined;
}

function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc ?? runtimeGc();
  if (!gc) process.stderr.write('memory: run node with --expose-gc for a stable figure\n');
  const devices = 1000;
  const warmSamples = 3 * 60 * 2; // 3 h at 30 s: rings full, hour history allocated, hours closing
  const sites = new Map<string, Site>();
  for (let d = 0; d < devices; d++) sites.set(`MEM${d}`, site(`MEM${d}`));
  gc?.();
  const m0 = process.memoryUsage();
  const before = m0.heapUsed + m0.arrayBuffers;
  const engine = createDetectionEngine({ sites: (mn) => sites.get(mn) });
  for (let s = 0; s < warmSamples; s++) for (let d = 0; d < devices; d++) engine.ingest(batch(`MEM${d}`, T0 + s * INTERVAL));
  gc?.();
  gc?.();
  const m1 = process.memoryUsage();
  // Typed arrays live outside the JS heap (arrayBuffers): count both.
  const perDevice = (m1.heapUsed + m1.arrayBuffers - before) / devices;
  const heapOnly = (m1.heapUsed - m0.heapUsed) / devices;
  process.stderr.write(`memory: ${(perDevice / 1024).toFixed(1)} KiB/device (heap ${(heapOnly / 1024).toFixed(1)} KiB + typed arrays ${((perDevice - heapOnly) / 1024).toFixed(1)} KiB), devices=${engine.deviceCount()}\n`);
  console.log(JSON.stringify({ bench: 'detectors.engine', metric: 'memory-per-device', value: Math.round((perDevice / 1024) * 10) / 10, unit: 'KiB', heapKiB: Math.round((heapOnly / 1024) * 10) / 10, devices, warmSamples, factorsPerBatch: 12, gc: Boolean(gc) }));
}

if (process.env.BENCH_ONLY !== "mem") throughput();
if (process.env.BENCH_ONLY === "tp") process.exit(0);
memory();
