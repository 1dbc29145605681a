import { Factor, type RuleId } from '@offsite/domain';
import { factorSpec, roundTo } from './factors.js';
import { inWindow, type Cell, type ProcessEvents, type Row, type TimeWindow } from './models/row.js';
import { MINUTE_WINDOW_MS } from './logger.js';
import { Rng, Wander } from './random.js';

const HOUR = 3_600_000;

/** A truth window before it is stamped with scenario and MN. */
export interface Label {
  pollutant: string | null;
  pattern: RuleId;
  start: number;
  end: number;
  note?: string;
}

/**
 * One manipulation (or upset) of one device. Hooks run in pipeline order: `prepare` edits the
 * process events before the model is built; `analyzer` edits measured values before the logger
 * computes converted values; `logger` edits what the logger writes; the output hooks change
 * when and with what clock packets leave.
 */
export interface Injection {
  labels: Label[];
  /** Windows that honest calibration must keep clear of (so the truth window stays clean). */
  busy: TimeWindow[];
  prepare?(events: ProcessEvents): void;
  analyzer?(row: Row): void;
  logger?(row: Row): void;
  /** Logger clock minus true time (ms). */
  clockOffset?(t: number): number;
  /** The logger is off: no rows, no packets, nothing stored. */
  silent?(t: number): boolean;
  /** The link is down: packets made at t are held and sent at the returned time. */
  releaseAt?(t: number): number | null;
  /** Extra interval records to send (e.g. a second hourly packet with the same DataTime). */
  duplicate?(cn: string, dataTime: number, items: Array<[string, string]>): Array<[string, string]> | null;
}

const setValue = (cell: Cell | undefined, value: number, code: string): void => {
  if (cell) cell.value = roundTo(value, factorSpec(code).precision);
};

/** Genuine exceedance: the process emits `factor` times more (e.g. desulfurisation trip). */
export function upset(code: string, w: TimeWindow, factor: number, label = true): Injection {
  return {
    labels: label ? [{ pollutant: code, pattern: 'breach', start: w.start, end: w.end, note: `emission ×${factor}` }] : [],
    busy: [w],
    prepare: (ev) => void ev.upsets.push({ ...w, code, factor }),
  };
}

/** The written value is held constant (to the written precision) while the process varies. */
export function flatline(code: string, w: TimeWindow): Injection {
  let held: number | null = null;
  return {
    labels: [{ pollutant: code, pattern: 'flatline', start: w.start, end: w.end }],
    busy: [w],
    analyzer(row) {
      if (!inWindow(row.t, w)) return;
      const cell = row.cells[code];
      if (!cell) return;
      held ??= cell.value;
      cell.value = held;
    },
  };
}

/** Zero (or a fixed low value) written while the plant runs. */
export function zeroValue(code: string, w: TimeWindow): Injection {
  return {
    labels: [{ pollutant: code, pattern: 'zero-value', start: w.start, end: w.end }],
    busy: [w],
    analyzer(row) {
      if (inWindow(row.t, w)) setValue(row.cells[code], 0, code);
    },
  };
}

/** Value pinned at the analyzer's full scale, flagged N (not T). Also a genuine breach on paper. */
export function stuckAtRange(code: string, w: TimeWindow, range: number, limit: number | undefined): Injection {
  const labels: Label[] = [
    { pollutant: code, pattern: 'stuck-at-range', start: w.start, end: w.end, note: `pinned at ${range}` },
    // A pinned value is also a constant written value.
    { pollutant: code, pattern: 'flatline', start: w.start, end: w.end, note: `constant ${range} (full scale)` },
  ];
  if (limit !== undefined && range > limit) labels.push({ pollutant: code, pattern: 'breach', start: w.start, end: w.end, note: 'written values at full scale exceed the limit' });
  return {
    labels,
    busy: [w],
    analyzer(row) {
      if (inWindow(row.t, w)) setValue(row.cells[code], range, code);
    },
  };
}

/**
 * Ambient air let into the sampling line of the pollutant analyzers while the O2 reading is not
 * diluted alike (separate probe): raw concentrations fall to `remaining`, O2 rises only by
 * `o2Rise` points, so the converted value falls too. Flow and load are unchanged.
 */
export function dilution(codes: readonly string[], w: TimeWindow, remaining = 0.4, o2Rise = 3.5, rampMs = 5 * 60_000): Injection {
  const ramp = (t: number) => Math.min(1, (t - w.start) / rampMs, (w.end - t) / rampMs);
  return {
    labels: codes.map((c) => ({ pollutant: c, pattern: 'dilution' as const, start: w.start, end: w.end, note: `raw ×${remaining}, O2 +${o2Rise}` })),
    busy: [w],
    analyzer(row) {
      if (!inWindow(row.t, w) || !row.running) return;
      const k = ramp(row.t);
      for (const c of codes) {
        const cell = row.cells[c];
        if (cell) setValue(cell, cell.value * (1 - (1 - remaining) * k), c);
      }
      const o2 = row.cells[Factor.o2];
      if (o2) setValue(o2, o2.value + o2Rise * k, Factor.o2);
    },
  };
}

/**
 * Bunching: the process runs near the limit, and whenever the converted value would exceed
 * `0.85·L` the written raw value is squeezed so the converted value stays under `0.99·L`.
 */
export function bunching(code: string, w: TimeWindow, limit: number, o2Ref: number, processFactor: number): Injection {
  const a = 0.85 * limit;
  const b = 0.99 * limit;
  return {
    labels: [{ pollutant: code, pattern: 'bunching', start: w.start, end: w.end, note: `limit ${limit}` }],
    busy: [],
    prepare: (ev) => void ev.upsets.push({ ...w, code, factor: processFactor }),
    analyzer(row) {
      if (!inWindow(row.t, w) || !row.running) return;
      const cell = row.cells[code];
      const o2 = row.cells[Factor.o2]?.value;
      if (!cell || o2 === undefined || o2 >= 19) return;
      const zs = (cell.value * (21 - o2Ref)) / (21 - o2);
      if (zs <= a) return;
      const squeezed = a + (b - a) * (1 - Math.exp(-(zs - a) / (b - a)));
      setValue(cell, (cell.value * squeezed) / zs, code);
    },
  };
}

/** Every written value of `target` repeats the rows of `sourceStart…` (copy-paste of earlier data). */
export function copiedSegment(target: TimeWindow, sourceStart: number): Injection {
  const saved = new Map<number, Record<string, Cell>>();
  const len = target.end - target.start;
  return {
    labels: [{ pollutant: null, pattern: 'copied-segment', start: target.start, end: target.end, note: `copy of ${new Date(sourceStart).toISOString()}` }],
    busy: [target, { start: sourceStart, end: sourceStart + len }],
    logger(row) {
      if (row.t >= sourceStart && row.t < sourceStart + len) saved.set(row.t - sourceStart, structuredClone(row.cells));
      if (!inWindow(row.t, target)) return;
      const copy = saved.get(row.t - target.start);
      if (!copy) return;
      for (const [code, cell] of Object.entries(copy)) {
        const sampleTime = row.cells[code]?.sampleTime;
        row.cells[code] = sampleTime === undefined ? { ...cell } : { ...cell, sampleTime };
      }
    },
  };
}

/** The logger writes converted values `factor` times what the formula gives (tampered formula). */
export function convertedMismatch(codes: readonly string[], w: TimeWindow, factor = 0.6): Injection {
  return {
    labels: codes.map((c) => ({ pollutant: c, pattern: 'converted-mismatch' as const, start: w.start, end: w.end, note: `ZsRtd ×${factor}` })),
    busy: [w],
    logger(row) {
      if (!inWindow(row.t, w)) return;
      for (const c of codes) {
        const cell = row.cells[c];
        if (cell?.zs !== undefined) cell.zs = roundTo(cell.zs * factor, factorSpec(c).precision);
      }
    },
  };
}

/** Genuine exceedances hidden under an operator flag (M by default). */
export function flagAbuse(code: string, episodes: readonly TimeWindow[], factor: number, flag: 'M' | 'C' | 'D' = 'M'): Injection {
  return {
    labels: episodes.map((e) => ({ pollutant: code, pattern: 'flag-abuse' as const, start: e.start, end: e.end, note: `would-be breach (×${factor}) flagged ${flag}` })),
    busy: [...episodes],
    prepare: (ev) => episodes.forEach((e) => ev.upsets.push({ ...e, code, factor })),
    logger(row) {
      const cell = row.cells[code];
      if (cell && episodes.some((e) => inWindow(row.t, e))) cell.flag = flag;
    },
  };
}

/** The logger is off (power cut): nothing measured, stored or sent. */
export function dataGap(w: TimeWindow): Injection {
  return {
    labels: [{ pollutant: null, pattern: 'data-gap', start: w.start, end: w.end }],
    busy: [w],
    silent: (t) => inWindow(t, w),
  };
}

/** The link is down: the logger stores everything and uploads it when the link returns. */
export function lateData(w: TimeWindow, lateThresholdMs = HOUR): Injection {
  return {
    // Only what arrives more than the threshold late is labelled.
    labels: [
      // Until the upload the platform sees a silent device.
      { pollutant: null, pattern: 'data-gap', start: w.start, end: w.end, note: 'silent until the stored data is uploaded' },
      ...(w.end - w.start > lateThresholdMs ? [{ pollutant: null, pattern: 'late-data' as const, start: w.start, end: w.end - lateThresholdMs, note: `uploaded at ${new Date(w.end).toISOString()}` }] : []),
    ],
    busy: [w],
    releaseAt: (t) => (inWindow(t, w) ? w.end : null),
  };
}

/**
 * First DataTime a backward clock jump (at true time `start`, by `offsetMs` < 0) makes the logger
 * send twice: the real-time DataTimes in [start + offset, start), and every 10-min (2051) or hourly
 * (2061) record whose interval end lies in that span (the logger closes that interval again, with
 * different samples). Labelling only the real-time span missed those records (eval fix).
 */
function firstRepeated(start: number, offsetMs: number): number {
  const back = start + offsetMs;
  let first = back;
  for (const len of [MINUTE_WINDOW_MS, HOUR]) {
    const boundary = Math.floor(start / len) * len;
    if (boundary > back) first = Math.min(first, boundary - len);
  }
  return first;
}

/** The logger clock runs `offsetMs` off from `start` on (until the platform sets it, 1012). */
export function clockSkew(start: number, runEnd: number, offsetMs: number): Injection {
  return {
    labels: [
      { pollutant: null, pattern: 'clock-skew', start, end: runEnd, note: `clock ${offsetMs > 0 ? '+' : ''}${offsetMs / 60_000} min` },
      // The jump itself: forward skips DataTimes (a gap), backward repeats them with new values.
      offsetMs > 0
        ? { pollutant: null, pattern: 'data-gap', start, end: Math.min(runEnd, start + offsetMs), note: 'DataTimes skipped by the clock jump' }
        : { pollutant: null, pattern: 'duplicate-timestamp', start: firstRepeated(start, offsetMs), end: Math.min(runEnd, start - offsetMs), note: 'DataTimes repeated after the clock jumped back (real-time, and the 10-min/hour records whose end the clock crossed again)' },
    ],
    busy: [],
    clockOffset: (t) => (t >= start ? offsetMs : 0),
  };
}

/**
 * Zero drift of an analyzer: the reading falls by `ratePerHour` per hour from `start`, clamped at 0.
 * It is labelled zero-value from `zeroFrom` (when the drift certainly exceeds the true value).
 */
export function zeroDrift(code: string, start: number, ratePerHour: number, zeroFrom: number, runEnd: number): Injection {
  return {
    labels: zeroFrom < runEnd ? [{ pollutant: code, pattern: 'zero-value', start: zeroFrom, end: runEnd, note: `zero drift −${ratePerHour}/h from ${new Date(start).toISOString()}` }] : [],
    busy: [{ start, end: runEnd }],
    analyzer(row) {
      if (row.t < start) return;
      const cell = row.cells[code];
      if (cell) setValue(cell, Math.max(0, cell.value - (ratePerHour * (row.t - start)) / HOUR), code);
    },
  };
}

/** Sudden fall of the written concentration with no change in flow, O2 or load. */
export function stepDrop(code: string, w: TimeWindow, remaining = 0.3): Injection {
  return {
    labels: [{ pollutant: code, pattern: 'step-drop', start: w.start, end: w.end, note: `×${remaining}` }],
    busy: [w],
    analyzer(row) {
      const cell = row.cells[code];
      if (cell && inWindow(row.t, w)) setValue(cell, cell.value * remaining, code);
    },
  };
}

/** Desulfurisation bypass: hot, dry flue gas where wet FGD holds it near 50 °C and saturated. */
export function fgdBypass(w: TimeWindow, temperature = 125, moisture = 3.5): Injection {
  return {
    labels: [{ pollutant: null, pattern: 'physics-inconsistent', start: w.start, end: w.end, note: `flue ${temperature} °C, moisture ${moisture}%` }],
    busy: [w],
    analyzer(row) {
      if (!inWindow(row.t, w) || !row.running) return;
      const t = row.cells[Factor.temperature];
      const m = row.cells[Factor.moisture];
      if (t) setValue(t, temperature + (t.value - 50) * 0.5, Factor.temperature);
      if (m) setValue(m, moisture + (m.value - 11) * 0.1, Factor.moisture);
    },
  };
}

/** Hand-typed values: the last written digit is 0 or 5. */
export function terminalDigit(code: string, w: TimeWindow): Injection {
  return {
    labels: [{ pollutant: code, pattern: 'terminal-digit', start: w.start, end: w.end }],
    busy: [],
    logger(row) {
      const cell = row.cells[code];
      if (!cell || !inWindow(row.t, w)) return;
      const step = 5 / 10 ** factorSpec(code).precision;
      cell.value = roundTo(Math.round(cell.value / step) * step, factorSpec(code).precision);
    },
  };
}

/** One hourly record sent twice with the same DataTime: the second with `code` lowered. */
export function duplicateHour(code: string, hourStart: number, factor = 0.7): Injection {
  return {
    labels: [{ pollutant: code, pattern: 'duplicate-timestamp', start: hourStart, end: hourStart + HOUR }],
    busy: [],
    duplicate(cn, dataTime, items) {
      if (cn !== '2061' || dataTime !== hourStart) return null;
      return items.map(([k, v]) => {
        if (k === `${code}-Avg` || k === `${code}-ZsAvg` || k === `${code}-Min` || k === `${code}-Max`) {
          const p = factorSpec(code).precision;
          return [k, roundTo(Number(v) * factor, p).toFixed(p)];
        }
        return [k, v];
      });
    },
  };
}

/**
 * Smoothed data (low variance): in `w` the written value of `code` is an exponential moving
 * average (time constant `tauMs`) of the measurement, plus a jitter of `jitterQuanta` written
 * quanta (1 sigma) so it is not constant. The level stays realistic and follows the process
 * slowly, without steps; the variability within each hour collapses to a fraction of the site's
 * own history. Flagged samples (calibration) pass through.
 */
export function smoothed(code: string, w: TimeWindow, seed: number, tauMs = 8 * HOUR, jitterQuanta = 1): Injection {
  const rng = new Rng(seed);
  const quantum = 1 / 10 ** factorSpec(code).precision;
  let average: number | null = null;
  let last = 0;
  return {
    labels: [{ pollutant: code, pattern: 'low-variance', start: w.start, end: w.end, note: `moving average over ${tauMs / 60_000} min + ${jitterQuanta} quanta jitter` }],
    busy: [w],
    analyzer(row) {
      const cell = row.cells[code];
      if (!cell || cell.flag !== 'N' || !inWindow(row.t, w)) return;
      average = average === null ? cell.value : average + (1 - Math.exp(-(row.t - last) / tauMs)) * (cell.value - average);
      last = row.t;
      setValue(cell, Math.max(0, average + jitterQuanta * quantum * rng.gauss()), code);
    },
  };
}

/**
 * Decoupled signal (correlation break): from `w.start` the written value of `code` is
 * synthesised — the mean of what it measured before, with its own slow wander (`wander`, 90 min)
 * and analyzer-like noise (`noise`, relative) — so it stops following load and flow, while flow,
 * O2 and the other pollutants keep following the process. The logger still converts it with the
 * measured O2. Flagged samples (calibration, start-up) pass through.
 */
export function decoupled(code: string, w: TimeWindow, seed: number, stepMs: number, wander = 0.05, noise = 0.025): Injection {
  const rng = new Rng(seed);
  const drift = new Wander(rng, wander, 90 * 60_000, stepMs);
  let sum = 0;
  let count = 0;
  return {
    labels: [{ pollutant: code, pattern: 'correlation-break', start: w.start, end: w.end, note: `synthesised around the earlier mean, wander ${wander}, noise ${noise}` }],
    busy: [],
    analyzer(row) {
      const cell = row.cells[code];
      if (!cell || cell.flag !== 'N' || !row.running) return;
      if (row.t < w.start) {
        sum += cell.value;
        count++;
        return;
      }
      if (!inWindow(row.t, w) || count === 0) return;
      setValue(cell, Math.max(0, (sum / count) * (1 + drift.step()) * (1 + noise * rng.gauss())), code);
    },
  };
}
