import { Factor } from '@offsite/domain';

/** How a logger writes one factor: written precision, old 2005 code, which aggregates it carries. */
export interface FactorSpec {
  code: string;
  /** HJ/T 212-2005 code spoken by older loggers (null: not sent by 2005 loggers). */
  code2005: string | null;
  /** Decimals written (the analyzer's resolution as the logger prints it). */
  precision: number;
  /** O2-corrected twin (ZsRtd/ZsAvg) is reported. */
  correctable: boolean;
  /** Cou (cumulative amount) is reported: 'mass' in kg for pollutants, 'volume' in m³ for flow. */
  cou: 'mass' | 'volume' | null;
  /** Measured in cycles (water analyzers) and held in between: SampleTime is reported. */
  cyclic: boolean;
}

const spec = (code: string, code2005: string | null, precision: number, extra: Partial<FactorSpec> = {}): FactorSpec => ({
  code,
  code2005,
  precision,
  correctable: false,
  cou: null,
  cyclic: false,
  ...extra,
});

export const AIR_FACTORS: readonly FactorSpec[] = [
  spec(Factor.so2, '02', 1, { correctable: true, cou: 'mass' }),
  spec(Factor.nox, '03', 1, { correctable: true, cou: 'mass' }),
  spec(Factor.dust, '01', 2, { correctable: true, cou: 'mass' }),
  spec(Factor.o2, 'S01', 2),
  spec(Factor.velocity, 'S02', 2),
  spec(Factor.temperature, 'S03', 1),
  spec(Factor.pressure, null, 3),
  spec(Factor.moisture, 'S05', 2),
  spec(Factor.flow, 'B02', 3, { cou: 'volume' }),
];

export const WATER_FACTORS: readonly FactorSpec[] = [
  spec(Factor.cod, '011', 1, { cou: 'mass', cyclic: true }),
  spec(Factor.nh3n, '060', 3, { cou: 'mass', cyclic: true }),
  spec(Factor.ph, '001', 2),
  spec(Factor.waterFlow, 'B01', 2, { cou: 'volume' }),
];

const byCode = new Map([...AIR_FACTORS, ...WATER_FACTORS].map((f) => [f.code, f]));

export function factorSpec(code: string): FactorSpec {
  const f = byCode.get(code);
  if (!f) throw new Error(`unknown simulated factor ${code}`);
  return f;
}

/** Round to the written precision (what the analyzer/logger resolves). */
export function roundTo(value: number, precision: number): number {
  const m = 10 ** precision;
  const r = Math.round(value * m) / m;
  return r === 0 ? 0 : r; // no "-0.0"
}

export function writeValue(value: number, precision: number): string {
  return roundTo(value, precision).toFixed(precision);
}
