/**
 * hj212 codec throughput: parse (frame + CRC + CP + typed view) and build, over a realistic mix;
 * for real-time gas also parse from bytes (the TCP path) and parse + toReadingBatch.
 * Prints one JSON object per line (stdout); progress to stderr. Median of RUNS timed runs; the
 * 1-minute load average is reported with each line (the machine is shared).
 */
import { formatDataTime } from '@offsite/domain';
import { loadavg } from 'node:os';
import { buildPacket, parsePacket, toReadingBatch, type BuildInput } from '../src/index.js';

const RUNS = 5;
const RUN_MS = 1500;
const GAS = ['a21026', 'a21002', 'a21003', 'a21004', 'a34013', 'a21005', 'a24088', 'a05002', 'a19001', 'a01011', 'a01012', 'a01013', 'a01014', 'a00000'];
const CORRECTED = new Set(['a21026', 'a21002', 'a21003', 'a21004', 'a34013', 'a21005', 'a24088', 'a05002']);
const WATER = ['w01018', 'w21003', 'w21011', 'w21001', 'w01001', 'w00000'];

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const num = (max: number, digits: number) => (rnd() * max).toFixed(digits);

function realtimeGas(i: number): BuildInput {
  const t = Date.UTC(2024, 0, 1) + i * 30_000;
  const n = 10 + (i % 5); // 10–14 factors
  const cp: Record<string, string> = { DataTime: formatDataTime(t) };
  for (const code of GAS.slice(0, n)) {
    cp[`${code}-Rtd`] = num(200, 2);
    if (CORRECTED.has(code)) cp[`${code}-ZsRtd`] = num(250, 2);
    cp[`${code}-Flag`] = 'N';
  }
  return { qn: formatDataTime(t, true), st: '31', cn: '2011', pw: '123456', mn: `MN${String(i % 500).padStart(22, '0')}`, flag: 5, cp };
}

function hourly(i: number): BuildInput {
  const t = Date.UTC(2024, 0, 1) + i * 3_600_000;
  const cp: Record<string, string> = { DataTime: formatDataTime(t) };
  for (const code of GAS.slice(0, 8)) {
    for (const s of ['Avg', 'Min', 'Max']) cp[`${code}-${s}`] = num(200, 2);
    if (CORRECTED.has(code)) cp[`${code}-ZsAvg`] = num(250, 2);
    cp[`${code}-Cou`] = num(10, 3);
    cp[`${code}-Flag`] = 'N';
  }
  return { qn: formatDataTime(t, true), st: '31', cn: '2061', pw: '123456', mn: `MN${String(i % 500).padStart(22, '0')}`, flag: 5, cp };
}

function water(i: number): BuildInput {
  const t = Date.UTC(2024, 0, 1) + i * 600_000;
  const cp: Record<string, string> = { DataTime: formatDataTime(t) };
  for (const code of WATER) {
    cp[`${code}-Avg`] = num(50, 3);
    cp[`${code}-Cou`] = num(5, 3);
    cp[`${code}-Flag`] = 'N';
  }
  return { qn: formatDataTime(t, true), st: '32', cn: '2051', pw: '123456', mn: `WMN${String(i % 500).padStart(21, '0')}`, flag: 5, cp };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs fn over the inputs repeatedly for RUN_MS; returns items per wall second (and per CPU second in lastCpuRate). */
let lastCpuRate = 0;
function measure<T>(inputs: T[], fn: (x: T) => unknown): number {
  let count = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (let i = 0; i < inputs.length; i++) {
      if (fn(inputs[i] as T)) sink++;
    }
    count += inputs.length;
    elapsed = performance.now() - start;
  }
  if (sink < 0) console.error(sink);
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process: on a shared, overloaded machine this is the fair "per core" figure.
  lastCpuRate = count / ((cpu.user + cpu.system) / 1e6);
  return (count / elapsed) * 1000;
}

function report(name: string, metric: string, value: number, unit: string, extra: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: `hj212.${name}`, metric, value: Math.round(value), unit, ...extra }) + '\n');
}

interface Variant {
  /** Benchmark name prefix: `hj212.<label>.<set>`. */
  label: string;
  run: () => { wall: number; cpu: number };
}

function bench(name: string, frames: string[], inputs: BuildInput[], extraVariants: Variant[] = []): void {
  const fieldsPerPacket = frames.reduce((n, f) => n + parsePacket(f).items.length, 0) / frames.length;
  const bytesPerPacket = frames.reduce((n, f) => n + f.length, 0) / frames.length;
  measure(frames, parsePacket); // warm-up
  const withCpu = (wall: number) => ({ wall, cpu: lastCpuRate });
  const variants: Variant[] = [
    { label: 'parse', run: () => withCpu(measure(frames, (f) => parsePacket(f))) },
    { label: 'build', run: () => withCpu(measure(inputs, (x) => buildPacket(x))) },
    ...extraVariants,
  ];
  const wall = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const load: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    load.push(loadavg()[0] as number);
    variants.forEach((v, i) => {
      const result = v.run();
      wall[i]?.push(result.wall);
      cpu[i]?.push(result.cpu);
    });
    process.stderr.write(`${name} run ${r + 1}/${RUNS}: ${variants.map((v, i) => `${v.label} ${Math.round(wall[i]?.[r] ?? 0)}/s`).join(' ')} (load ${load[r]?.toFixed(2)})\n`);
  }
  const ctx = {
    packets: frames.length,
    fieldsPerPacket: Math.round(fieldsPerPacket * 10) / 10,
    bytesPerPacket: Math.round(bytesPerPacket),
    runs: RUNS,
    statistic: 'median',
    loadAvg1: Math.round(median(load) * 100) / 100,
  };
  variants.forEach((v, i) => {
    const w = median(wall[i] ?? []);
    report(`${v.label}.${name}`, 'packets/s', w, 'packets/s', ctx);
    report(`${v.label}.${name}`, 'fields/s', w * fieldsPerPacket, 'fields/s', ctx);
    report(`${v.label}.${name}`, 'packets/cpu-s', median(cpu[i] ?? []), 'packets/s', { ...ctx, basis: 'process CPU time' });
  });
}

const N = 2000;
const rt = Array.from({ length: N }, (_, i) => realtimeGas(i));
const hr = Array.from({ length: N }, (_, i) => hourly(i));
const wt = Array.from({ length: N }, (_, i) => water(i));
// The mix a gateway sees: real-time dominates (30 s cadence), then minute/water, then hourly.
const mix = Array.from({ length: N }, (_, i) => (i % 10 < 7 ? rt[i] : i % 10 < 9 ? wt[i] : hr[i]) as BuildInput);
const toFrames = (xs: BuildInput[]) => xs.map((x) => buildPacket(x));

const rtFrames = toFrames(rt);
// What ingest sees from TCP: the frame's bytes.
const rtBytes = rtFrames.map((f) => Buffer.from(f, 'latin1'));
const readingOptions = { receivedAt: Date.UTC(2024, 0, 1), source: 'tcp' } as const;
bench('realtime-gas', rtFrames, rt, [
  { label: 'parse-bytes', run: () => ({ wall: measure(rtBytes, (b) => parsePacket(b)), cpu: lastCpuRate }) },
  { label: 'parse-readings', run: () => ({ wall: measure(rtFrames, (f) => toReadingBatch(parsePacket(f), readingOptions)), cpu: lastCpuRate }) },
]);
bench('mix', toFrames(mix), mix);
