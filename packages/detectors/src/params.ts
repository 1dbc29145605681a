import { z } from 'zod';
import { RuleId, type Site } from '@offsite/domain';

/**
 * Rule parameters: one zod schema per rule, every field with its default. A site overrides any
 * of them with `Site.rules[ruleId]`; unknown keys and wrong types are errors naming rule + param.
 */
const num = (d: number) => z.number().finite().default(d);
const pos = (d: number) => z.number().finite().positive().default(d);
const share = (d: number) => z.number().min(0).max(1).default(d);
const int = (d: number) => z.number().int().positive().default(d);

export const ruleParamSchemas = {
  breach: z.strictObject({
    /** Share of expected real-time samples (flag N) that makes an hour valid. */
    validHourShare: share(0.75),
    /** Valid hours that make a day valid (daily limits). */
    validDayHours: int(20),
  }),
  flatline: z.strictObject({
    minMinutes: pos(30),
    minSamples: int(5),
    /** Water analyzers hold values: count distinct SampleTime cycles instead. */
    waterMinCycles: int(4),
    /** Water without SampleTime: hours of an identical value before it counts. */
    waterMinHoursWithoutSampleTime: pos(8),
    hourlyMinHours: pos(4),
    /** The process runs when flow > this share of normal flow. */
    runningFlowShare: share(0.1),
    /** Values at or below max(floorAbs, floorLimitShare × limit) are near detection limit: skipped. */
    floorAbs: num(3),
    floorLimitShare: share(0.1),
  }),
  'zero-value': z.strictObject({
    minMinutes: pos(15),
    minSamples: int(3),
    /** Values at or below this count as zero. */
    zeroAtOrBelow: num(0),
    /** The device's typical level (median valid hourly) must be at least this: honest near-zero units are spared. */
    minTypicalLevel: num(3),
    runningFlowShare: share(0.1),
  }),
  'stuck-at-range': z.strictObject({
    minMinutes: pos(10),
    minSamples: int(3),
    /** A value at or above this share of the analyzer range counts as pinned. */
    rangeShare: share(0.995),
  }),
  'step-drop': z.strictObject({
    dropShare: share(0.6),
    withinSamples: int(2),
    baselineSamples: int(5),
    /** After the drop, the level must stay at or below this share of the baseline... */
    holdShare: share(0.5),
    /** ...for this long. */
    holdMinutes: pos(30),
    flowTolerance: share(0.1),
    o2TolerancePoints: pos(2),
    floorAbs: num(3),
  }),
  dilution: z.strictObject({
    windowMinutes: pos(30),
    rawDropShare: share(0.4),
    o2RisePoints: pos(3),
    flowTolerance: share(0.1),
    /** The converted value must fall by at least this share (whole-sample dilution leaves it unchanged). */
    convertedDropShare: share(0.2),
    minMinutes: num(10),
    floorAbs: num(3),
  }),
  'converted-mismatch': z.strictObject({
    relTolerance: pos(0.05),
    /** Absolute tolerance (units) so rounding at low values is not a mismatch. */
    absTolerance: num(0.5),
    minMinutes: pos(30),
    minSamples: int(5),
  }),
  'physics-inconsistent': z.strictObject({
    minMinutes: pos(10),
    minSamples: int(3),
    /** flow vs velocity × duct area (plain and standard-state) relative tolerance. */
    flowAreaTolerance: pos(0.2),
    hotFlueC: num(80),
    dryMoisturePct: num(5),
    /** Wet FGD expected (flue ~45–55 °C, saturated): also read from Site.wetFgd when present. */
    expectWetFgd: z.boolean().default(false),
    maxMoisturePct: num(100),
    /** Plausible pressure: |p| ≤ gaugeMaxKPa (static) or absolute within [absMinKPa, absMaxKPa]. */
    gaugeMaxKPa: pos(20),
    absMinKPa: pos(70),
    absMaxKPa: pos(130),
    pressureUnit: z.enum(['kPa', 'Pa']).default('kPa'),
    runningFlowShare: share(0.1),
  }),
  'flag-abuse': z.strictObject({
    windowHours: int(168),
    maxFlaggedShare: share(0.1),
    minHoursWithData: int(48),
    minFlaggedHours: int(6),
    wouldBreachCount: int(3),
  }),
  'terminal-digit': z.strictObject({
    minValues: int(200),
    windowValues: int(256),
    /** Chi-square vs uniform digits. 1e-4 (not 1e-3): ~5 windows per pollutant-day made p < 0.001 chance alarms show up in the eval. */
    pValue: pos(0.0001),
    /** One-sided binomial test of the share of last digits 0 and 5 against 20 %. */
    roundDigitsPValue: pos(0.0001),
    /** Local spread (median sd over blocks of spreadBlockValues values) must be at least this many written quanta for the last digit to be random. */
    minSpreadQuanta: pos(5),
    spreadBlockValues: z.number().int().min(2).default(32),
    /** Non-overlapping windows by default: overlapping tests multiply chance hits. */
    evaluateEvery: int(256),
  }),
  'correlation-break': z.strictObject({
    /** 48 h before / 24 h after: over 24 / 12 hourly points honest emission wander broke the correlation ~0.4 times per device-day (simulators). */
    beforeHours: int(48),
    afterHours: int(24),
    beforeMin: num(0.7),
    afterMax: num(0.1),
    /** The flow must still move (CV) in the recent window, or no correlation is expected. */
    minFlowCv: pos(0.05),
    /**
     * Hour-to-hour changes (first differences) of pollutant and flow must correlate at least this
     * much before: the pollutant followed flow, not merely a daily cycle both share.
     */
    beforeChangeMin: num(0.5),
    /**
     * One-sided Fisher z test that the correlation of hour-to-hour changes fell (before vs after),
     * with effective sample sizes for their lag-1 autocorrelation: honest drift must not pass.
     */
    pValue: pos(0.001),
  }),
  'data-gap': z.strictObject({
    /** More than 3 missing intervals in a row. */
    minMissingIntervals: int(4),
    /** Hourly series: any missing hour. */
    hourlyMinMissing: int(1),
    minIntervalsForCadence: int(3),
  }),
  'late-data': z.strictObject({
    maxDelayMinutes: pos(60),
    /** Late batches arriving within this many minutes of each other form one episode. */
    episodeGapMinutes: pos(10),
  }),
  'clock-skew': z.strictObject({
    maxSkewMinutes: pos(5),
    consecutive: int(10),
    /** Skews of a wrong clock are steady; backfill skews shrink batch by batch. */
    maxSpreadSeconds: pos(60),
  }),
  'duplicate-timestamp': z.strictObject({
    historySize: int(64),
  }),
  bunching: z.strictObject({
    minHours: int(48),
    windowHours: int(336),
    bandLowShare: share(0.9),
    pValue: pos(0.001),
    maxAboveShare: share(0.02),
    minBandCount: int(8),
  }),
  'low-variance': z.strictObject({
    ratio: pos(0.25),
    minHours: int(6),
    minHistoryHours: int(48),
    floorAbs: num(3),
    floorLimitShare: share(0.1),
    /** narrow-band screen: hourly levels (± 2 sd) within this share of the analyzer range... */
    bandShareOfRange: share(0.02),
    /** ...for this many consecutive valid hours... */
    bandMinHours: int(24),
    /** ...while the hourly flow varied at least this much (CV). */
    bandMinFlowCv: pos(0.05),
    /** at-detection-limit screen: hours at or below the floor (above zero)... */
    limitMinHours: int(6),
    /** ...at a device whose usual level is at least this many times the floor. */
    limitHistoryFactor: pos(3),
  }),
  'copied-segment': z.strictObject({
    windowSamples: int(12),
    confirmSamples: int(4),
    minNonZeroDeltas: int(6),
    minDistinctDeltas: int(4),
    /** Every sample window, newest wins: short lags (~tableSize samples back). */
    tableSize: int(128),
    /** Windows whose hash ≡ 0 mod anchorEvery are also kept in the anchor table (long lags). */
    anchorEvery: int(8),
    /** ~48 h of anchors at 1-min cadence (360) fit; at 30 s about 24 h (the oldest go first). 8 bytes each. */
    anchorTableSize: int(384),
    /** Copies of data up to this old are looked for (yesterday's data copied into today). */
    maxLagHours: pos(48),
    /** Anchor windows at one lag that confirm a long-lag copy. */
    confirmAnchors: int(3),
    /** A long-lag run continues while anchor hits at its lag come less than this far apart. */
    anchorGapMinutes: pos(60),
    /** Water analyzers with SampleTime: deltas between measurement-cycle values per window... */
    windowCycles: int(4),
    /** ...and windows at one lag that confirm the copy. */
    confirmCycles: int(2),
  }),
} satisfies Record<RuleId, z.ZodType>;

export type RuleParams = { [K in RuleId]: z.output<(typeof ruleParamSchemas)[K]> };
export type RuleParamOverrides = { [K in RuleId]?: Partial<RuleParams[K]> };

function buildDefaults(): RuleParams {
  const out: Partial<Record<RuleId, unknown>> = {};
  for (const id of RuleId.options) out[id] = ruleParamSchemas[id].parse({});
  return out as RuleParams;
}
/** Defaults of every rule (documented in docs/detection.md). */
export const defaultRuleParams: Readonly<RuleParams> = Object.freeze(buildDefaults());

export class RuleParamsError extends Error {
  constructor(
    message: string,
    readonly mn: string | null,
    readonly rule: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'RuleParamsError';
  }
}

function parseOne(id: RuleId, layers: unknown[], origin: string, mn: string | null): unknown {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) {
      throw new RuleParamsError(`${origin}: rules.${id} must be an object of parameters`, mn, id, null);
    }
    Object.assign(merged, layer);
  }
  const res = ruleParamSchemas[id].safeParse(merged);
  if (!res.success) {
    const iss = res.error.issues[0]!;
    const param = iss.code === 'unrecognized_keys' ? iss.keys.join(',') : String(iss.path[0] ?? '');
    throw new RuleParamsError(`${origin}: rules.${id}.${param}: ${iss.message}`, mn, id, param || null);
  }
  return res.data;
}

/** Defaults ← engine-wide overrides ← Site.rules, validated. Throws RuleParamsError naming rule + param. */
export function resolveRuleParams(site: Site | undefined, overrides?: RuleParamOverrides): RuleParams {
  const mn = site?.mn ?? null;
  const origin = site ? `site ${site.mn}` : 'engine params';
  const siteRules = site?.rules ?? {};
  for (const key of Object.keys(siteRules)) {
    if (!RuleId.safeParse(key).success) {
      throw new RuleParamsError(`${origin}: rules.${key}: unknown rule id (known: ${RuleId.options.join(', ')})`, mn, key, null);
    }
  }
  for (const key of Object.keys(overrides ?? {})) {
    if (!RuleId.safeParse(key).success) throw new RuleParamsError(`engine params: rules.${key}: unknown rule id`, null, key, null);
  }
  const out: Partial<Record<RuleId, unknown>> = {};
  for (const id of RuleId.options) {
    out[id] = parseOne(id, [overrides?.[id], siteRules[id]], origin, mn);
  }
  return out as RuleParams;
}

/** For the detect service at start-up: check every site's overrides before data flows. */
export function validateSiteRules(site: Site): void {
  resolveRuleParams(site);
}

/**
 * Every site's rule overrides resolve; the first bad one throws an Error naming it as
 * `origin: sites[i] (mn M): rules.rule.param: problem` (the RuleParamsError is its cause).
 */
export function checkSiteRules(sites: readonly Site[], origin: string): void {
  sites.forEach((site, index) => {
    try {
      validateSiteRules(site);
    } catch (err) {
      if (!(err instanceof RuleParamsError)) throw err;
      const prefix = `site ${site.mn}: `;
      const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      throw new Error(`${origin}: sites[${index}] (mn ${site.mn}): ${detail}`, { cause: err });
    }
  });
}
