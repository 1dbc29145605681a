import { Factor, Site } from '@offsite/domain';

/** The outlet types the simulator models. */
export type SiteKind = 'coal' | 'gas' | 'municipal' | 'industrial';
export const SITE_KINDS: readonly SiteKind[] = ['coal', 'gas', 'municipal', 'industrial'];

/** Process parameters of one kind of outlet (honest operation). */
export interface AirProfile {
  medium: 'air';
  /** Emission level as converted concentration (mg/m³ at o2Ref) at full load. */
  emission: Record<string, number>;
  /** Slow relative wander of emission levels (FGD/SCR control quality), as a fraction. */
  emissionWander: number;
  /** O2 (%) at full load and its rise at low load (more excess air). */
  o2FullLoad: number;
  o2LowLoadRise: number;
  /** Flue temperature at full load (°C) and moisture (%) around it. */
  temperature: number;
  moisture: number;
  /** Gauge static pressure (kPa). */
  pressure: number;
  /** Analyzer noise as a fraction of range (1 sigma). */
  analyzerNoise: number;
  /**
   * Share of a pollutant's emission level that scales with load (E ∝ 1 − s + s·load). Default
   * 0.15 (levels at the reference O2 barely move with load); thermal NOx of a gas burner
   * without SCR follows its firing rate (s ≈ 0.9).
   */
  emissionLoadSlope?: Record<string, number>;
}

export interface WaterProfile {
  medium: 'water';
  concentration: Record<string, number>;
  /** Analyzer cycle (ms) per cyclic factor: measure, then hold until the next cycle. */
  cycleMs: Record<string, number>;
  ph: number;
  /** Discharge in batches (on/off) rather than continuously. */
  batch: boolean;
}

export type Profile = AirProfile | WaterProfile;

interface KindTemplate {
  site: Record<string, unknown>;
  profile: Profile;
  label: string;
}

const TEMPLATES: Record<SiteKind, KindTemplate> = {
  coal: {
    label: '燃煤电厂1#机组烟囱',
    site: {
      kind: 'air',
      standard: 'GB 13223-2011 + ultra-low emission (超低排放)',
      industry: 'coal-fired power',
      outlet: 'stack 1',
      o2Ref: 6,
      limits: { [Factor.so2]: 35, [Factor.nox]: 50, [Factor.dust]: 10 },
      ranges: { [Factor.so2]: 200, [Factor.nox]: 200, [Factor.dust]: 50, [Factor.o2]: 25 },
      normalFlow: 250,
      ductArea: 28,
      // Wet limestone FGD: flue near 50 °C and saturated (read by physics-inconsistent).
      wetFgd: true,
      positiveList: false,
      utcOffsetMinutes: 480,
    },
    profile: {
      medium: 'air',
      emission: { [Factor.so2]: 18, [Factor.nox]: 32, [Factor.dust]: 3.5 },
      emissionWander: 0.12,
      o2FullLoad: 5.6,
      o2LowLoadRise: 3,
      temperature: 50,
      moisture: 11,
      pressure: -0.15,
      analyzerNoise: 0.004,
    },
  },
  gas: {
    label: '燃气锅炉房排气筒',
    site: {
      kind: 'air',
      standard: 'GB 13271-2014 gas-fired boiler (new) + local NOx 50',
      industry: 'gas-fired boiler',
      outlet: 'boiler stack',
      o2Ref: 3.5,
      limits: { [Factor.so2]: 50, [Factor.nox]: 50, [Factor.dust]: 20 },
      ranges: { [Factor.so2]: 100, [Factor.nox]: 200, [Factor.dust]: 50, [Factor.o2]: 25 },
      normalFlow: 8,
      ductArea: 1.1,
      positiveList: false,
      utcOffsetMinutes: 480,
    },
    profile: {
      medium: 'air',
      emission: { [Factor.so2]: 3, [Factor.nox]: 30, [Factor.dust]: 1.8 },
      emissionWander: 0.1,
      o2FullLoad: 3.6,
      o2LowLoadRise: 1.5,
      temperature: 105,
      moisture: 14,
      pressure: 0.08,
      analyzerNoise: 0.003,
    },
  },
  municipal: {
    label: '城镇污水处理厂总排口',
    site: {
      kind: 'water',
      standard: 'GB 18918-2002 class 1A',
      industry: 'municipal wastewater',
      outlet: 'main outlet',
      limits: { [Factor.cod]: 50, [Factor.nh3n]: 5 },
      dailyLimits: { [Factor.cod]: 50, [Factor.nh3n]: 5 },
      bands: { [Factor.ph]: [6, 9] },
      ranges: { [Factor.cod]: 200, [Factor.nh3n]: 20 },
      normalFlow: 30,
      positiveList: false,
      utcOffsetMinutes: 480,
    },
    profile: {
      medium: 'water',
      concentration: { [Factor.cod]: 24, [Factor.nh3n]: 1.2 },
      cycleMs: { [Factor.cod]: 2 * 3_600_000, [Factor.nh3n]: 3_600_000 },
      ph: 7.1,
      batch: false,
    },
  },
  industrial: {
    label: '工业废水总排口',
    site: {
      kind: 'water',
      standard: 'GB 8978-1996 class 1',
      industry: 'chemical plant wastewater',
      outlet: 'wastewater outlet',
      limits: { [Factor.cod]: 100, [Factor.nh3n]: 15 },
      dailyLimits: { [Factor.cod]: 100, [Factor.nh3n]: 15 },
      bands: { [Factor.ph]: [6, 9] },
      ranges: { [Factor.cod]: 500, [Factor.nh3n]: 50 },
      normalFlow: 8,
      positiveList: false,
      utcOffsetMinutes: 480,
    },
    profile: {
      medium: 'water',
      concentration: { [Factor.cod]: 55, [Factor.nh3n]: 4.5 },
      cycleMs: { [Factor.cod]: 2 * 3_600_000, [Factor.nh3n]: 2 * 3_600_000 },
      ph: 7.4,
      batch: true,
    },
  },
};

const REGIONS = ['330106', '320505', '370102', '130102', '440305', '510107', '420111', '610113'];
const CITIES = ['杭州', '苏州', '济南', '石家庄', '深圳', '成都', '武汉', '西安'];

/** MN of device `index` in scenario `tag` (15 chars, ASCII, unique across scenarios). */
export function deviceMn(tag: string, index: number): string {
  return `SIM${tag.toUpperCase().padEnd(6, '0').slice(0, 6)}${String(index).padStart(6, '0')}`;
}

export function buildSite(kind: SiteKind, mn: string, index: number): Site {
  const t = TEMPLATES[kind];
  const region = REGIONS[index % REGIONS.length] ?? '330106';
  const city = CITIES[index % CITIES.length] ?? '杭州';
  return Site.parse({
    ...structuredClone(t.site),
    mn,
    name: `${t.label} ${mn}`,
    enterprise: `${city}模拟企业${String(index).padStart(4, '0')}有限公司`,
    region,
  });
}

export function profileOf(kind: SiteKind): Profile {
  return TEMPLATES[kind].profile;
}
