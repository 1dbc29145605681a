import { isValidSample, pollutantInfo, regionCovers, type DataFlag, type DataKind, type DeviceStatus, type LeadEvent, type ReadingBatch, type Site, type SiteIndex } from '@offsite/domain';
import { KIND_PREFERENCE, type SeriesPoint } from '@offsite/series-store';

/** Region of devices that send data but are not in the registry: only national scope sees them. */
export const UNREGISTERED_REGION = '000000';
/** Without a status message, a device that sent data this recently counts as online. */
const ONLINE_BY_DATA_MS = 15 * 60_000;
/** A cached view is rebuilt after this long even without changes (its status may depend on time). */
const VIEW_MAX_AGE_MS = 30_000;

export type SiteStatus = 'online' | 'offline' | 'unknown';

export interface LatestValue {
  pollutant: string;
  name: { zh: string; en: string } | null;
  unit: string | null;
  kind: DataKind;
  time: number;
  value: number | null;
  converted: number | null;
  flag: string | null;
  /** The value compared with the limit: the O2-converted one where the standard asks for it. */
  compared: number | null;
  limit: number | null;
  band: [number, number] | null;
  /** compared / limit, null without a limit. */
  ratio: number | null;
  /** Above the limit (or outside the band) on a valid (flag N) sample. */
  exceeded: boolean;
}

export interface SiteView {
  mn: string;
  registered: boolean;
  name: string | null;
  enterprise: string | null;
  region: string;
  industry: string | null;
  kind: 'air' | 'water' | null;
  standard: string | null;
  status: SiteStatus;
  statusAt: number | null;
  lastDataAt: number | null;
  lastReceivedAt: number | null;
  clockSkewMs: number | null;
  openLeads: number;
  exceeding: number;
  latest: LatestValue[];
}

interface Live {
  status: DeviceStatus | null;
  lastDataAt: number | null;
  lastReceivedAt: number | null;
  /** pollutant → kind → latest point of that kind. */
  latest: Map<string, Map<DataKind, { time: number; value: number | null; converted: number | null; flag: string | null }>>;
}

export interface SiteFilter {
  /** Callers see only sites their scope covers. */
  scope: string;
  region?: string;
  industry?: string;
  status?: SiteStatus;
  registered?: boolean;
  exceeding?: boolean;
  /** Substring of MN, name or enterprise (case-insensitive). */
  q?: string;
}

export type SiteSort = 'attention' | 'mn' | 'lastData' | 'openLeads';

/**
 * Every monitored outlet in memory: the registry plus devices seen on the bus, with device status
 * (devices.status.v1), last data time and latest values (emissions.readings.v1, seeded from the
 * SeriesStore), and open lead counts (supervision.leads.v1). The sites list filters this map, so
 * a request costs no I/O however many sites there are.
 */
export class SiteState {
  private readonly live = new Map<string, Live>();
  private readonly openLeadMn = new Map<string, string>();
  private readonly openByMn = new Map<string, number>();
  /** Built views, dropped when their site changes (or, for the data-derived status, grow old). */
  private readonly views = new Map<string, { view: SiteView; builtAt: number }>();

  constructor(
    private readonly registry: SiteIndex,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Region of a known MN (registered or seen), undefined for an MN never heard of. */
  regionOf(mn: string): string | undefined {
    const site = this.registry.get(mn);
    if (site) return site.region;
    return this.live.has(mn) ? UNREGISTERED_REGION : undefined;
  }

  site(mn: string): Site | undefined {
    return this.registry.get(mn);
  }

  applyReadings(batch: ReadingBatch): void {
    const l = this.entry(batch.mn);
    this.views.delete(batch.mn);
    if (l.lastDataAt === null || batch.dataTime > l.lastDataAt) l.lastDataAt = batch.dataTime;
    if (l.lastReceivedAt === null || batch.receivedAt > l.lastReceivedAt) l.lastReceivedAt = batch.receivedAt;
    for (const r of batch.readings) this.setLatest(l, r.code, batch.kind, batch.dataTime, r.value, r.converted ?? null, r.flag);
  }

  applyStatus(s: DeviceStatus): void {
    const l = this.entry(s.mn);
    this.views.delete(s.mn);
    if (!l.status || s.at >= l.status.at) l.status = s;
    if (s.lastSeen !== null && (l.lastReceivedAt === null || s.lastSeen > l.lastReceivedAt)) l.lastReceivedAt = s.lastSeen;
  }

  /** Seed from SeriesStore.latest (at start, before live readings arrive). */
  seedLatest(mn: string, points: readonly SeriesPoint[]): void {
    if (points.length === 0) return;
    const l = this.entry(mn);
    this.views.delete(mn);
    for (const p of points) {
      this.setLatest(l, p.pollutant, p.kind, p.time, p.value, p.converted ?? null, p.flag);
      if (l.lastDataAt === null || p.time > l.lastDataAt) l.lastDataAt = p.time;
    }
  }

  applyLead(e: Pick<LeadEvent, 'id' | 'mn' | 'status'>): void {
    const open = e.status !== 'closed';
    this.views.delete(e.mn);
    const known = this.openLeadMn.get(e.id);
    if (open && known === undefined) {
      this.openLeadMn.set(e.id, e.mn);
      this.openByMn.set(e.mn, (this.openByMn.get(e.mn) ?? 0) + 1);
    } else if (!open && known !== undefined) {
      this.openLeadMn.delete(e.id);
      const n = (this.openByMn.get(known) ?? 1) - 1;
      if (n > 0) this.openByMn.set(known, n);
      else this.openByMn.delete(known);
    }
  }

  view(mn: string): SiteView | undefined {
    const site = this.registry.get(mn);
    const l = this.live.get(mn);
    if (!site && !l) return undefined;
    return this.cached(mn, site);
  }

  private cached(mn: string, site: Site | undefined): SiteView {
    const now = this.clock();
    const hit = this.views.get(mn);
    if (hit && now - hit.builtAt < VIEW_MAX_AGE_MS) return hit.view;
    const view = this.build(mn, site, this.live.get(mn));
    this.views.set(mn, { view, builtAt: now });
    return view;
  }

  list(filter: SiteFilter, sort: SiteSort = 'attention'): SiteView[] {
    const q = filter.q?.toLowerCase();
    const out: SiteView[] = [];
    const consider = (mn: string, site: Site | undefined) => {
      const region = site?.region ?? UNREGISTERED_REGION;
      if (!regionCovers(filter.scope, region)) return;
      if (filter.region && !regionCovers(filter.region, region)) return;
      if (filter.industry && site?.industry !== filter.industry) return;
      if (filter.registered !== undefined && filter.registered !== Boolean(site)) return;
      if (q && !(mn.toLowerCase().includes(q) || site?.name.toLowerCase().includes(q) || site?.enterprise.toLowerCase().includes(q))) return;
      const v = this.cached(mn, site);
      if (filter.status && v.status !== filter.status) return;
      if (filter.exceeding !== undefined && filter.exceeding !== v.exceeding > 0) return;
      out.push(v);
    };
    for (const site of this.registry.sites) consider(site.mn, site);
    for (const mn of this.live.keys()) if (!this.registry.get(mn)) consider(mn, undefined);
    return out.sort(comparators[sort]);
  }

  stats(): { registered: number; seen: number; unregistered: number; openLeads: number } {
    let unregistered = 0;
    for (const mn of this.live.keys()) if (!this.registry.get(mn)) unregistered++;
    return { registered: this.registry.size, seen: this.live.size, unregistered, openLeads: this.openLeadMn.size };
  }

  private entry(mn: string): Live {
    let l = this.live.get(mn);
    if (!l) {
      l = { status: null, lastDataAt: null, lastReceivedAt: null, latest: new Map() };
      this.live.set(mn, l);
    }
    return l;
  }

  private setLatest(l: Live, code: string, kind: DataKind, time: number, value: number | null, converted: number | null, flag: string | null): void {
    let byKind = l.latest.get(code);
    if (!byKind) {
      byKind = new Map();
      l.latest.set(code, byKind);
    }
    const prev = byKind.get(kind);
    if (!prev || time >= prev.time) byKind.set(kind, { time, value, converted, flag });
  }

  private build(mn: string, site: Site | undefined, l: Live | undefined): SiteView {
    const now = this.clock();
    const latest: LatestValue[] = [];
    for (const [code, byKind] of l?.latest ?? []) {
      const kind = KIND_PREFERENCE.find((k) => byKind.has(k));
      if (kind) latest.push(compare(site, code, kind, byKind.get(kind)!));
    }
    latest.sort((a, b) => a.pollutant.localeCompare(b.pollutant));
    let status: SiteStatus = 'unknown';
    if (l?.status) status = l.status.state;
    else if (l?.lastReceivedAt && now - l.lastReceivedAt < ONLINE_BY_DATA_MS) status = 'online';
    return {
      mn,
      registered: Boolean(site),
      name: site?.name ?? null,
      enterprise: site?.enterprise ?? null,
      region: site?.region ?? UNREGISTERED_REGION,
      industry: site?.industry ?? null,
      kind: site?.kind ?? null,
      standard: site?.standard ?? null,
      status,
      statusAt: l?.status?.at ?? null,
      lastDataAt: l?.lastDataAt ?? null,
      lastReceivedAt: l?.lastReceivedAt ?? null,
      clockSkewMs: l?.status?.clockSkewMs ?? null,
      openLeads: this.openByMn.get(mn) ?? 0,
      exceeding: latest.filter((v) => v.exceeded).length,
      latest,
    };
  }
}

function compare(site: Site | undefined, code: string, kind: DataKind, p: { time: number; value: number | null; converted: number | null; flag: string | null }): LatestValue {
  const info = pollutantInfo(code);
  const limit = site?.limits[code] ?? null;
  const band = site?.bands?.[code] ?? null;
  // Air limits are set on the O2-converted concentration when the standard names a reference O2.
  const compared = site?.kind === 'air' && site.o2Ref != null && p.converted !== null ? p.converted : p.value;
  const valid = isValidSample(p.flag as DataFlag | null);
  let exceeded = false;
  if (valid && compared !== null) {
    if (limit !== null && compared > limit) exceeded = true;
    if (band && (compared < band[0] || compared > band[1])) exceeded = true;
  }
  return {
    pollutant: code,
    name: info ? { zh: info.zh, en: info.en } : null,
    unit: info?.unit ?? null,
    kind,
    time: p.time,
    value: p.value,
    converted: p.converted,
    flag: p.flag,
    compared,
    limit,
    band,
    ratio: limit !== null && compared !== null ? Math.round((compared / limit) * 1000) / 1000 : null,
    exceeded,
  };
}

const statusRank: Record<SiteStatus, number> = { offline: 0, unknown: 1, online: 2 };
const comparators: Record<SiteSort, (a: SiteView, b: SiteView) => number> = {
  mn: (a, b) => a.mn.localeCompare(b.mn),
  lastData: (a, b) => (b.lastDataAt ?? 0) - (a.lastDataAt ?? 0) || a.mn.localeCompare(b.mn),
  openLeads: (a, b) => b.openLeads - a.openLeads || a.mn.localeCompare(b.mn),
  // What a monitoring desk looks at first: exceeding now, open leads, then offline, then the rest.
  attention: (a, b) => b.exceeding - a.exceeding || b.openLeads - a.openLeads || statusRank[a.status] - statusRank[b.status] || a.mn.localeCompare(b.mn),
};
