/**
 * Integration tests talk to real servers named by the same variables the services read
 * (infra/local/env.sh prints them). Without them a test skips, saying how to start them; with
 * REQUIRE_INFRA=1 (CI) a missing server is a failure, never a silent skip.
 */
export type InfraName = 'kafka' | 'influx' | 'postgres' | 'mqtt';

const required: Record<InfraName, string[]> = {
  kafka: ['KAFKA_BROKERS'],
  influx: ['INFLUX_URL', 'INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET'],
  postgres: ['DATABASE_URL'],
  mqtt: ['MQTT_URL'],
};

export const HOW_TO_START = 'start them with: bash infra/local/up.sh && eval "$(bash infra/local/env.sh)"';

/** True when the variables for `name` are set; throws under REQUIRE_INFRA=1 when they are not. */
export function infraAvailable(name: InfraName, env: Record<string, string | undefined> = process.env): boolean {
  const missing = required[name].filter((v) => !env[v]);
  if (missing.length === 0) return true;
  const msg = `${name}: ${missing.join(', ')} not set; ${HOW_TO_START}`;
  if (env.REQUIRE_INFRA === '1') throw new Error(`REQUIRE_INFRA=1 but ${msg}`);
  console.warn(`skipping ${name} integration tests: ${msg}`);
  return false;
}
