import { PGlite } from '@electric-sql/pglite';
import { SiteIndex, Topics, anomalyId, ruleCategory, type Anomaly, type DeviceStatus, type ReadingBatch, type RuleId, type Severity, type Site } from '@offsite/domain';
import { createMemoryBus, type Bus, type Consumer } from '@offsite/bus';
import { createPgliteLeadStore, type LeadStore } from '@offsite/lead-store';
import { createEmbeddedSeriesStore, type SeriesStore } from '@offsite/series-store';
import { createLeadService, hashToken, startAnomalyConsumer, type LeadService } from '@offsite/leads';
import { createLogger, createMetrics, type Logger } from '@offsite/runtime';
import { createConsole, type Console, type ConsoleOptions } from '../src/index.js';

export const H = 3_600_000;
export const T0 = Date.UTC(2025, 2, 1);

export function site(mn: string, region: string, extra: Partial<Site> = {}): Site {
  return {
    mn,
    name: `outlet ${mn}`,
    enterprise: `enterprise ${mn}`,
    region,
    kind: 'air',
    standard: 'GB 13223-2011',
    industry: 'power',
    o2Ref: 6,
    limits: { a21026: 35, a21002: 50, a34013: 10 },
    ranges: {},
    positiveList: false,
    utcOffsetMinutes: 480,
    ...extra,
  };
}

/** Two counties of Hangzhou (330106, 330105) and one of Shenzhen (440305). */
export const defaultSites = [site('HZ0001', '330106'), site('HZ0002', '330106', { industry: 'cement' }), site('HZ0101', '330105'), site('SZ0001', '440305', { kind: 'water', limits: { w01018: 50 } })];

export const tokens = {
  admin: 'tok-admin-000000-aaaaaaaa',
  county: 'tok-officer-330106-bbbbbbb',
  otherCounty: 'tok-officer-330105-ccccccc',
  city: 'tok-supervisor-330100-dddd',
  operator: 'tok-operator-330106-eeeee',
  shenzhen: 'tok-officer-440305-ffffffff',
} as const;

export function anomaly(mn: string, o: { rule?: RuleId; start?: number; hours?: number; severity?: Severity; pollutant?: string } = {}): Anomaly {
  const rule = o.rule ?? 'breach';
  const start = o.start ?? T0;
  const end = start + (o.hours ?? 1) * H;
  const pollutant = o.pollutant ?? 'a21026';
  return {
    id: anomalyId(mn, pollutant, rule, start),
    mn,
    pollutant,
    rule,
    category: ruleCategory[rule],
    start,
    end,
    severity: o.severity ?? 'high',
    detectedAt: end,
    evidence: {
      summary: `${rule}: hourly average 52 mg/m³ above 35`,
      statistic: { name: 'hourly converted average', value: 52 },
      threshold: { name: 'hourly limit', value: 35 },
      params: { minHours: 1 },
      readings: [
        { t: start, code: pollutant, value: 50.2, flag: 'N' },
        { t: start + H / 2, code: pollutant, value: 53.8, flag: 'N' },
      ],
      limit: { value: 35, standard: 'GB 13223-2011' },
    },
  };
}

export interface Stack {
  bus: Bus;
  store: LeadStore;
  series: SeriesStore;
  service: LeadService;
  console: Console;
  logger: Logger;
  publishAnomalies(anomalies: Anomaly[]): Promise<void>;
  publishReadings(batches: ReadingBatch[]): Promise<void>;
  publishStatus(statuses: DeviceStatus[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real in-process stack: memory bus, PGlite lead store and embedded series store (one PGlite
 * in memory), the real LeadService and the leads anomaly consumer, and the console on top.
 */
export async function startStack(o: { sites?: Site[]; options?: Partial<ConsoleOptions>; publicDir?: string | false } = {}): Promise<Stack> {
  const logger = createLogger('console-test', process.env.TEST_LOG ?? 'silent');
  const db = await PGlite.create();
  const store = await createPgliteLeadStore({ db });
  const series = await createEmbeddedSeriesStore({ db, logger });
  const bus = createMemoryBus({ logger, handlerRetry: { initialMs: 20, maxMs: 200 } });
  await bus.ensureTopics([Topics.anomalies, Topics.leads, Topics.readings, Topics.deviceStatus, Topics.deadletter].map((name) => ({ name, partitions: 2 })));
  const sites = new SiteIndex(o.sites ?? defaultSites);
  const service = createLeadService({ store, sites, bus, logger });
  const now = Date.now();
  const users: Array<[keyof typeof tokens, 'admin' | 'officer' | 'supervisor' | 'operator', string]> = [
    ['admin', 'admin', '000000'],
    ['county', 'officer', '330106'],
    ['otherCounty', 'officer', '330105'],
    ['city', 'supervisor', '330100'],
    ['operator', 'operator', '330106'],
    ['shenzhen', 'officer', '440305'],
  ];
  for (const [key, role, region] of users) await store.addUser({ id: `u_${key}`, name: key, role, region, createdAt: now }, hashToken(tokens[key]));
  const leadsConsumer: Consumer = await startAnomalyConsumer({ bus, service, logger, fromBeginning: true });
  const console = createConsole({
    leadService: service,
    seriesStore: series,
    sites,
    bus,
    logger,
    registry: createMetrics('console-test', false),
    publicDir: o.publicDir ?? false,
    options: { heartbeatMs: 200, ...o.options },
  });
  await console.start();
  const send = (topic: string) => async (items: Array<{ mn: string }>) =>
    bus.send(
      topic,
      items.map((i) => ({ key: i.mn, value: Buffer.from(JSON.stringify(i)) })),
    );
  return {
    bus,
    store,
    series,
    service,
    console,
    logger,
    publishAnomalies: send(Topics.anomalies),
    publishReadings: send(Topics.readings),
    publishStatus: send(Topics.deviceStatus),
    async close() {
      await console.stop();
      await leadsConsumer.stop();
      await bus.close();
      await series.close();
      await store.close();
      await db.close();
    },
  };
}

/** Poll until `check` returns a value (not undefined/false), or fail after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });
