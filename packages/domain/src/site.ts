import { z } from 'zod';
import { parse as parseYaml } from 'yaml';

/** Administrative division code (6 digits: province 2, city 2, county 2). */
export const RegionCode = z.string().regex(/^\d{6}$/, 'region must be a 6-digit administrative division code');

/**
 * A monitored outlet, from the site registry (SITES_FILE). Limits are per factor code in the
 * site's units (mg/m³ converted to o2Ref for air, mg/L for water). Extra fields are kept.
 */
export const Site = z
  .object({
    mn: z.string().min(1).max(24),
    name: z.string().min(1),
    enterprise: z.string().min(1),
    region: RegionCode,
    kind: z.enum(['air', 'water']),
    standard: z.string().min(1),
    industry: z.string().optional(),
    outlet: z.string().optional(),
    /** Reference O2 (%) for converted concentration; null = the standard uses actual O2. */
    o2Ref: z.number().min(0).max(20).nullable().optional(),
    limits: z.record(z.string(), z.number().positive()).default({}),
    /** Daily limits, for standards that set them (water COD/NH3-N, incineration). */
    dailyLimits: z.record(z.string(), z.number().positive()).optional(),
    /** pH-like two-sided limits: [low, high]. */
    bands: z.record(z.string(), z.tuple([z.number(), z.number()])).optional(),
    /** Analyzer full-scale range per factor. */
    ranges: z.record(z.string(), z.number().positive()).default({}),
    /** Enterprise on the 正面清单 (lighter on-site inspection): remote evidence weighs more. */
    positiveList: z.boolean().default(false),
    /** Duct cross-section (m²), for flow = velocity × area checks. */
    ductArea: z.number().positive().optional(),
    /** Normal flue gas flow (m³/s) or wastewater flow, to tell "running" from "off". */
    normalFlow: z.number().positive().optional(),
    /** Fixed offset of the logger's local time, minutes east of UTC (default UTC+8). */
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
    /** Per-rule parameter overrides: { "flatline": { "minMinutes": 45 } }. */
    rules: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .loose();
export type Site = z.infer<typeof Site>;

export const SiteRegistry = z.object({ sites: z.array(Site) }).superRefine((reg, ctx) => {
  const seen = new Map<string, number>();
  reg.sites.forEach((s, i) => {
    const prev = seen.get(s.mn);
    if (prev !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['sites', i, 'mn'], message: `duplicate MN ${s.mn} (also sites[${prev}])` });
    }
    seen.set(s.mn, i);
  });
});
export type SiteRegistry = z.infer<typeof SiteRegistry>;

export class SiteRegistryError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'SiteRegistryError';
  }
}

/** Parse registry text (JSON or YAML, told apart by content); errors name the bad entry. */
export function parseSiteRegistry(text: string, origin = 'SITES_FILE'): SiteRegistry {
  let data: unknown;
  try {
    data = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SiteRegistryError(`${origin}: not valid JSON or YAML: ${(err as Error).message}`, []);
  }
  const result = SiteRegistry.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((iss) => {
    const path = iss.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const mn = describeEntry(data, iss.path);
    return `${path}${mn}: ${iss.message}`;
  });
  throw new SiteRegistryError(`${origin}: ${issues.length} problem(s): ${issues.join('; ')}`, issues);
}

function describeEntry(data: unknown, path: PropertyKey[]): string {
  if (path[0] !== 'sites' || typeof path[1] !== 'number') return '';
  const entry = (data as { sites?: unknown[] })?.sites?.[path[1]];
  const mn = entry && typeof entry === 'object' && 'mn' in entry ? String((entry as { mn: unknown }).mn) : null;
  return mn ? ` (mn ${mn})` : '';
}

/** Sites by MN, with the region prefix test that access control uses. */
export class SiteIndex {
  private readonly byMn: Map<string, Site>;
  constructor(readonly sites: readonly Site[] = []) {
    this.byMn = new Map(sites.map((s) => [s.mn, s]));
  }
  get(mn: string): Site | undefined {
    return this.byMn.get(mn);
  }
  get size(): number {
    return this.byMn.size;
  }
}

/**
 * Region scope: a 6-digit code with trailing "00" pairs covers everything under it
 * (330000 a province, 330100 a city, 330106 a county). 000000 is the whole country.
 */
export function regionCovers(scope: string, region: string): boolean {
  if (scope === '000000') return true;
  if (scope.endsWith('0000')) return region.slice(0, 2) === scope.slice(0, 2);
  if (scope.endsWith('00')) return region.slice(0, 4) === scope.slice(0, 4);
  return region === scope;
}

/** The prefix of region codes a scope covers ('' for the whole country), for SQL LIKE. */
export function regionPrefix(scope: string): string {
  if (scope === '000000') return '';
  if (scope.endsWith('0000')) return scope.slice(0, 2);
  if (scope.endsWith('00')) return scope.slice(0, 4);
  return scope;
}
