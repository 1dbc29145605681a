import { Factor, type Site } from '@offsite/domain';
import { factorSpec, roundTo } from '../factors.js';
import { Rng, Wander } from '../random.js';
import type { AirProfile } from '../sites.js';
import { inWindow, localHour, upsetMultiplier, type ProcessEvents, type Row } from './row.js';

const AMBIENT_TEMP = 15;
const AMBIENT_MOISTURE = 1.5;
const AIR_O2 = 20.9;
const HOUR = 3_600_000;
/** Shutdown ramp before a stop and start-up ramp after it (F-flagged while below these shares). */
const RAMP_DOWN_MS = HOUR;
const RAMP_UP_MS = 2 * HOUR;
const F_BELOW = 0.5;

/** Share of normal firing (0 = off, 1 = normal) from shutdown windows, with ramps either side. */
export function firingShare(t: number, shutdowns: readonly { start: number; end: number }[]): { share: number; startingUp: boolean } {
  for (const s of shutdowns) {
    if (t >= s.start - RAMP_DOWN_MS && t < s.start) return { share: (s.start - t) / RAMP_DOWN_MS, startingUp: false };
    if (inWindow(t, s)) return { share: 0, startingUp: false };
    if (t >= s.end && t < s.end + RAMP_UP_MS) return { share: (t - s.end) / RAMP_UP_MS, startingUp: true };
  }
  return { share: 1, startingUp: false };
}

/**
 * A coal- or gas-fired stack with its CEMS. Coupling: the pollutant leaves the boiler at an
 * emission level E (mass per unit of fuel, expressed as concentration at the reference O2);
 * more excess air raises O2 and flue-gas flow and dilutes the raw concentration
 * C = E·(21−O2)/(21−O2ref), so the logger's converted value recovers E. Plant load follows a
 * daily cycle; velocity follows from standard dry flow and the actual temperature, pressure and
 * moisture.
 */
export class StackModel {
  private readonly load: Wander;
  private readonly o2: Wander;
  private readonly tempWander: Wander;
  private readonly emission: Map<string, Wander>;
  private temperature: number;
  private readonly o2Ref: number;
  private readonly codes: string[];

  constructor(
    private readonly site: Site,
    private readonly profile: AirProfile,
    private readonly events: ProcessEvents,
    private readonly rng: Rng,
    private readonly stepMs: number,
  ) {
    this.load = new Wander(rng, 0.04, 2 * HOUR, stepMs);
    this.o2 = new Wander(rng, 0.25, 40 * 60_000, stepMs);
    this.tempWander = new Wander(rng, 0.6, HOUR, stepMs);
    this.codes = Object.keys(profile.emission);
    this.emission = new Map(this.codes.map((c) => [c, new Wander(rng, profile.emissionWander, 90 * 60_000, stepMs)]));
    this.temperature = profile.temperature;
    this.o2Ref = site.o2Ref ?? 0;
  }

  step(t: number): Row {
    const p = this.profile;
    const hour = localHour(t, this.site.utcOffsetMinutes ?? 480);
    const { share, startingUp } = firingShare(t, this.events.shutdowns);
    const dailyLoad = 0.8 + 0.15 * Math.sin((2 * Math.PI * (hour - 10)) / 24);
    const load = Math.min(1, Math.max(0.45, dailyLoad + this.load.step()));
    const effLoad = load * share;
    const running = share >= F_BELOW;

    // Excess air: higher at low load; towards pure air as firing stops.
    const o2Firing = p.o2FullLoad + p.o2LowLoadRise * (1 - load) / 0.55 + this.o2.step();
    const o2 = AIR_O2 - (AIR_O2 - o2Firing) * Math.sqrt(share);
    const dilutionFactor = Math.min((21 - p.o2FullLoad) / (21 - o2), 3);
    const normalFlow = this.site.normalFlow ?? 100;
    const flowStd = normalFlow * effLoad * dilutionFactor;

    const targetTemp = share < 0.05 ? AMBIENT_TEMP : p.temperature + 4 * (load - 0.8) - (1 - share) * (p.temperature - AMBIENT_TEMP) * 0.5;
    const tau = share < 0.05 ? 3 * HOUR : 20 * 60_000;
    this.temperature += (targetTemp - this.temperature) * (1 - Math.exp(-this.stepMs / tau));
    const temperature = this.temperature + this.tempWander.step() * share;
    const moisture = AMBIENT_MOISTURE + (p.moisture - AMBIENT_MOISTURE) * Math.min(1, share * 1.5) + 0.2 * (temperature - p.temperature) * share;
    const pressure = p.pressure * (0.2 + 0.8 * effLoad);
    const actualFlow = (flowStd * ((273.15 + temperature) / 273.15) * (101.325 / (101.325 + pressure))) / (1 - moisture / 100);
    const ductArea = this.site.ductArea ?? 1;

    const cells: Row['cells'] = {};
    const flag = running ? 'N' : 'F';
    const ranges = this.site.ranges ?? {};
    for (const code of this.codes) {
      const slope = p.emissionLoadSlope?.[code];
      // Default written as before so honest runs keep their bytes.
      const loadShare = slope === undefined ? 0.85 + 0.15 * load : 1 - slope + slope * load;
      let e = (p.emission[code] ?? 0) * loadShare * (1 + (this.emission.get(code)?.step() ?? 0));
      e *= upsetMultiplier(t, code, this.events.upsets);
      // Start-up: burners on oil, FGD/SCR not yet effective.
      if (startingUp) e *= 1 + 1.5 * (1 - share);
      const raw = (e * share * (21 - o2)) / (21 - this.o2Ref);
      const range = ranges[code] ?? 200;
      const measured = raw * (1 + 0.01 * this.rng.gauss()) + p.analyzerNoise * range * this.rng.gauss();
      cells[code] = { value: roundTo(Math.min(range, Math.max(0, measured)), factorSpec(code).precision), flag };
    }
    const velocityMeasured = Math.max(0, (actualFlow / ductArea) * (1 + 0.008 * this.rng.gauss()));
    const o2Measured = Math.min(AIR_O2 + 0.05, o2 + 0.04 * this.rng.gauss());
    const tempMeasured = temperature + 0.15 * this.rng.gauss();
    const pressureMeasured = pressure + 0.004 * this.rng.gauss();
    const moistureMeasured = Math.max(0, moisture + 0.12 * this.rng.gauss());
    // The CEMS derives standard dry flow from the measured velocity (pitot) and conditions.
    const flowMeasured = stdDryFlow(velocityMeasured, ductArea, tempMeasured, pressureMeasured, moistureMeasured);
    cells[Factor.o2] = { value: roundTo(o2Measured, 2), flag };
    cells[Factor.velocity] = { value: roundTo(velocityMeasured, 2), flag };
    cells[Factor.temperature] = { value: roundTo(tempMeasured, 1), flag };
    cells[Factor.pressure] = { value: roundTo(pressureMeasured, 3), flag };
    cells[Factor.moisture] = { value: roundTo(moistureMeasured, 2), flag };
    cells[Factor.flow] = { value: roundTo(flowMeasured, 3), flag };
    return { t, running, cells };
  }
}

/** Standard-state (273.15 K, 101.325 kPa) dry flow (m³/s) from actual velocity and conditions. */
export function stdDryFlow(velocity: number, ductArea: number, temperatureC: number, gaugeKPa: number, moisturePct: number): number {
  return velocity * ductArea * (273.15 / (273.15 + temperatureC)) * ((101.325 + gaugeKPa) / 101.325) * (1 - moisturePct / 100);
}

/** Converted concentration; null when O2 says the plant is not firing (factor meaningless). */
export function convertedConcentration(raw: number, o2: number, o2Ref: number): number | null {
  if (o2 >= 19) return null;
  return (raw * (21 - o2Ref)) / (21 - o2);
}
