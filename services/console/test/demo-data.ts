import type { DeviceStatus, ReadingBatch } from '@offsite/domain';
import type { SeriesPoint } from '@offsite/series-store';
import { anomaly, H, type Stack } from './stack.js';

const MIN = 60_000;

/**
 * A day of minute data for the Hangzhou sites (HZ0001 breaches SO2 for two hours and has a
 * maintenance span), status messages, and the latest readings on the bus: enough for the page to
 * show real charts, hourly tables and statuses.
 */
export async function seedDemo(s: Stack, now = Date.now()): Promise<{ breachStart: number }> {
  const start = Math.floor((now - 24 * H) / MIN) * MIN;
  const points: SeriesPoint[] = [];
  const breachStart = start + 15 * H;
  for (const mn of ['HZ0001', 'HZ0002', 'HZ0101']) {
    for (let t = start; t < now; t += 5 * MIN) {
      const i = (t - start) / MIN;
      const breach = mn === 'HZ0001' && t >= breachStart && t < breachStart + 2 * H;
      const maint = mn === 'HZ0001' && t >= start + 6 * H && t < start + 7 * H;
      const so2 = 18 + 6 * Math.sin(i / 90) + ((i * 7) % 5) + (breach ? 30 : 0);
      const nox = 30 + 8 * Math.cos(i / 120) + ((i * 3) % 4);
      for (const [pollutant, v] of [['a21026', so2], ['a21002', nox]] as const) {
        points.push({ mn, kind: 'rtd', pollutant, time: t, value: round(v / 1.15), converted: round(v), flag: maint ? 'M' : 'N' });
      }
    }
  }
  await s.series.write(points);
  const last = (mn: string, so2: number): ReadingBatch => ({
    mn, st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime: now - MIN, receivedAt: now, protocol: '2017', source: 'mqtt',
    readings: [
      { code: 'a21026', value: round(so2 / 1.15), text: null, converted: so2, flag: 'N' },
      { code: 'a21002', value: 28, text: null, converted: 32.2, flag: 'N' },
    ],
  });
  await s.publishReadings([last('HZ0001', 41.3), last('HZ0002', 19.8), last('HZ0101', 22.1), { ...last('ZJX999', 12), mn: 'ZJX999' }]);
  const statuses: DeviceStatus[] = [
    { mn: 'HZ0001', state: 'online', at: now, lastSeen: now },
    { mn: 'HZ0002', state: 'online', at: now, lastSeen: now },
    { mn: 'HZ0101', state: 'offline', at: now - 2 * H, lastSeen: now - 2 * H },
  ];
  await s.publishStatus(statuses);
  await s.publishAnomalies([anomaly('HZ0001', { start: breachStart, hours: 2, severity: 'high' }), anomaly('HZ0002', { rule: 'flatline', start: start + 3 * H, hours: 3, severity: 'medium' })]);
  return { breachStart };
}

const round = (v: number) => Math.round(v * 100) / 100;
