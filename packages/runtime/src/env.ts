import { z } from 'zod';
import { csvList, optionalString, optionalUrl, port } from './config.js';

/**
 * The environment contract (docs/contracts.md): one schema, so every service reads a variable the
 * same way. Services `.pick()` or `.extend()` it. Unset adapters fall back to the embedded ones.
 */
export const sharedEnv = z.object({
  HTTP_PORT: port(8080),
  MQTT_PORT: port(1883),
  HJ212_TCP_PORT: port(6000),
  DATA_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().default('./data')),
  ADMIN_TOKEN: optionalString,
  SITES_FILE: optionalString,
  MQTT_URL: optionalUrl,
  KAFKA_BROKERS: csvList,
  INFLUX_URL: optionalUrl,
  INFLUX_TOKEN: optionalString,
  INFLUX_ORG: optionalString,
  INFLUX_BUCKET: optionalString,
  DATABASE_URL: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type SharedEnv = z.infer<typeof sharedEnv>;

/** INFLUX_* come as a set: half a configuration is an error, not a silent fallback. */
export function influxFromEnv(env: SharedEnv): { url: string; token: string; org: string; bucket: string } | null {
  const parts = { INFLUX_URL: env.INFLUX_URL, INFLUX_TOKEN: env.INFLUX_TOKEN, INFLUX_ORG: env.INFLUX_ORG, INFLUX_BUCKET: env.INFLUX_BUCKET };
  const set = Object.entries(parts).filter(([, v]) => v);
  if (set.length === 0) return null;
  if (set.length < 4) {
    const missing = Object.entries(parts).filter(([, v]) => !v).map(([k]) => k);
    throw new Error(`invalid configuration: ${missing.join(', ')} must be set with ${set.map(([k]) => k).join(', ')}`);
  }
  return { url: parts.INFLUX_URL!, token: parts.INFLUX_TOKEN!, org: parts.INFLUX_ORG!, bucket: parts.INFLUX_BUCKET! };
}
