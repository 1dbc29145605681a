import { Factor, type Site } from '@offsite/domain';
import { factorSpec, roundTo } from '../factors.js';
import { Rng, Wander } from '../random.js';
import type { WaterProfile } from '../sites.js';
import { inWindow, localHour, upsetMultiplier, type ProcessEvents, type Row } from './row.js';

const HOUR = 3_600_000;
/** Batch discharge: the holding tank empties for BATCH_ON of every BATCH_PERIOD. */
const BATCH_PERIOD = 3 * HOUR;
const BATCH_ON = 2 * HOUR;

interface Held {
  value: number;
  sampleTime: number;
}

/**
 * A wastewater outlet with cyclic analyzers: COD and NH3-N are measured once per cycle (1–2 h,
 * aligned to the clock like real loggers schedule them) and the value is held, with its
 * SampleTime, until the next measurement. pH and flow are continuous. Industrial outlets may
 * discharge in batches (flow 0 between batches, analyzers keep their last value).
 */
export class WaterModel {
  private readonly concWander: Map<string, Wander>;
  private readonly phWander: Wander;
  private readonly flowWander: Wander;
  private readonly held = new Map<string, Held>();
  private readonly codes: string[];

  constructor(
    private readonly site: Site,
    private readonly profile: WaterProfile,
    private readonly events: ProcessEvents,
    private readonly rng: Rng,
    stepMs: number,
  ) {
    this.codes = Object.keys(profile.concentration);
    this.concWander = new Map(this.codes.map((c) => [c, new Wander(rng, 0.1, 4 * HOUR, stepMs)]));
    this.phWander = new Wander(rng, 0.12, 2 * HOUR, stepMs);
    this.flowWander = new Wander(rng, 0.06, HOUR, stepMs);
  }

  /** True concentration now (what a sample drawn now would contain). */
  private trueConcentration(code: string, t: number, hour: number): number {
    let c = (this.profile.concentration[code] ?? 0) * (1 + 0.12 * Math.sin((2 * Math.PI * (hour - 15)) / 24)) * (1 + (this.concWander.get(code)?.step() ?? 0));
    c *= upsetMultiplier(t, code, this.events.upsets);
    return Math.max(0, c);
  }

  step(t: number): Row {
    const p = this.profile;
    const hour = localHour(t, this.site.utcOffsetMinutes ?? 480);
    const normal = this.site.normalFlow ?? 10;
    const discharging = !p.batch || t % BATCH_PERIOD < BATCH_ON;
    const shut = this.events.shutdowns.some((s) => inWindow(t, s));
    const flow = shut || !discharging ? 0 : normal * (1 + 0.25 * Math.sin((2 * Math.PI * (hour - 14)) / 24)) * (1 + this.flowWander.step());
    const flag = shut ? 'F' : 'N';
    const cells: Row['cells'] = {};
    const ranges = this.site.ranges ?? {};
    for (const code of this.codes) {
      const truth = this.trueConcentration(code, t, hour);
      const cycle = p.cycleMs[code] ?? 2 * HOUR;
      const cycleStart = t - (t % cycle);
      const last = this.held.get(code);
      if (!last || last.sampleTime < cycleStart) {
        const range = ranges[code] ?? 100;
        const measured = truth * (1 + 0.03 * this.rng.gauss()) + 0.002 * range * this.rng.gauss();
        this.held.set(code, { value: roundTo(Math.max(0, measured), factorSpec(code).precision), sampleTime: cycleStart });
      }
      const h = this.held.get(code) as Held;
      cells[code] = { value: h.value, flag, sampleTime: h.sampleTime };
    }
    cells[Factor.ph] = { value: roundTo(p.ph + this.phWander.step() + 0.02 * this.rng.gauss(), 2), flag };
    cells[Factor.waterFlow] = { value: roundTo(Math.max(0, flow * (1 + 0.01 * this.rng.gauss())), 2), flag };
    return { t, running: !shut && discharging, cells };
  }
}
