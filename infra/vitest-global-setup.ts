/**
 * Global setup of the integration tests: on a machine with a Docker engine and no endpoint
 * variables, start the four servers as containers (infra/testcontainers.ts) and hand their
 * variables to the test workers through process.env (workers start after this and inherit it).
 * Otherwise it does nothing: the endpoints come from infra/local/env.sh, or the tests skip.
 */
const ENDPOINT_VARS = ['MQTT_URL', 'KAFKA_BROKERS', 'INFLUX_URL', 'DATABASE_URL'];

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.OFFSITE_TESTCONTAINERS === '0') return undefined;
  if (ENDPOINT_VARS.some((name) => process.env[name])) return undefined;
  // Imported only when needed: testcontainers looks for an engine and loads a Docker client.
  const { startContainersIfDocker, stopContainers } = await import('./testcontainers.js');
  const vars = await startContainersIfDocker();
  if (!vars) return undefined;
  console.warn(`integration tests: started servers in containers (${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(' ')})`);
  Object.assign(process.env, vars);
  return stopContainers;
}
