/**
 * Duplicate memory at ingest's default window (200,000 identities): cost per packet (two lookups,
 * two inserts) while the window fills and once it is full and every insert evicts. The two must
 * stay close: eviction used to degrade to hundreds of µs per packet.
 */
import { defaultIngestOptions } from '../src/options.js';
import { RecentKeys } from '../src/dedup.js';

const window = defaultIngestOptions.dedupWindow;
const packets = window * 2;
const keysOf = (i: number): [string, string] => [
  `c|BENCH${String(i % 3_000).padStart(6, '0')}|2011|${20261126000000 + i}|${((i * 2654435761) >>> 0).toString(36)}.${((i * 40503) >>> 0).toString(36)}`,
  `q|BENCH${String(i % 3_000).padStart(6, '0')}|2011|${20261126000000000 + i}`,
];
const recent = new RecentKeys(window);
const keys = Array.from({ length: packets }, (_, i) => keysOf(i));

function run(from: number, to: number): number {
  const start = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    const [content, qn] = keys[i]!;
    if (!recent.has(qn) && !recent.has(content)) {
      recent.add(content);
      recent.add(qn);
    }
  }
  return Number(process.hrtime.bigint() - start) / 1_000 / (to - from);
}

const filling = run(0, window / 2); // window/2 packets = window identities: just full
const steady = run(window / 2, packets);
const line = (metric: string, value: number, unit: string) => console.log(JSON.stringify({ bench: 'ingest.dedup', metric, value: Number(value.toFixed(3)), unit, window, packets }));
line('us_per_packet_filling', filling, 'µs');
line('us_per_packet_full', steady, 'µs');
line('full_to_filling_ratio', steady / filling, 'ratio');
