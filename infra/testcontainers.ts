/**
 * The four servers of infra/local, as containers, for machines that have a Docker engine but
 * no local servers: `startContainersIfDocker()` starts them and returns the same variables that
 * infra/local/env.sh prints. On machines without an engine (like the project's CI) it returns
 * null and the caller uses infra/local instead.
 */
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

const ENDPOINT_VARS = ['MQTT_URL', 'KAFKA_BROKERS', 'INFLUX_URL', 'DATABASE_URL'] as const;

const INFLUX = { org: 'offsite', bucket: 'offsite', token: 'offsite-dev-token' } as const;

// Same queue limits as infra/local/mosquitto/mosquitto.conf (see the comment there).
const MOSQUITTO_CONF = [
  'listener 1883 0.0.0.0',
  'allow_anonymous true',
  'persistence false',
  'log_dest stdout',
  'max_queued_messages 1000000',
  'max_queued_bytes 0',
  'max_inflight_messages 1000',
  '',
].join('\n');

const KAFKA_HOST_PORT = 19092;
// The broker must advertise the host's mapped port, known only once the container runs: the
// entrypoint waits for it in a file, then starts the image's own launcher.
const KAFKA_START = [
  'echo "waiting for the advertised address"',
  'while [ ! -s /tmp/advertised ]; do sleep 0.1; done',
  'echo "advertising $(cat /tmp/advertised)"',
  'export KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://localhost:9092,EXTERNAL://$(cat /tmp/advertised)"',
  'exec /etc/kafka/docker/run',
].join('\n');

const started: StartedTestContainer[] = [];

async function dockerReachable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startMosquitto(): Promise<string> {
  const c = await new GenericContainer('eclipse-mosquitto:2')
    .withCopyContentToContainer([{ content: MOSQUITTO_CONF, target: '/mosquitto/config/mosquitto.conf' }])
    .withExposedPorts(1883)
    .withWaitStrategy(Wait.forLogMessage(/mosquitto version .* running/))
    .start();
  started.push(c);
  return `mqtt://${c.getHost()}:${c.getMappedPort(1883)}`;
}

async function startPostgres(): Promise<string> {
  const c = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'offsite' })
    .withExposedPorts(5432)
    // The image's init starts the server twice: ready means the second start.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  started.push(c);
  return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/offsite`;
}

async function startInflux(): Promise<string> {
  const c = await new GenericContainer('influxdb:2.7')
    .withEnvironment({
      DOCKER_INFLUXDB_INIT_MODE: 'setup',
      DOCKER_INFLUXDB_INIT_USERNAME: 'offsite',
      DOCKER_INFLUXDB_INIT_PASSWORD: 'offsite-dev-password',
      DOCKER_INFLUXDB_INIT_ORG: INFLUX.org,
      DOCKER_INFLUXDB_INIT_BUCKET: INFLUX.bucket,
      DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: INFLUX.token,
    })
    .withExposedPorts(8086)
    // Setup runs on a temporary server first; port 8086 answers only once it is done.
    .withWaitStrategy(Wait.forHttp('/health', 8086).forStatusCode(200))
    .start();
  started.push(c);
  return `http://${c.getHost()}:${c.getMappedPort(8086)}`;
}

async function startKafka(): Promise<string> {
  const c = await new GenericContainer('apache/kafka:3.9.1')
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://:${KAFKA_HOST_PORT}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_NUM_PARTITIONS: '4',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withEntrypoint(['sh', '-c', KAFKA_START])
    .withExposedPorts(KAFKA_HOST_PORT)
    .withWaitStrategy(Wait.forLogMessage('waiting for the advertised address'))
    .start();
  started.push(c);
  const address = `${c.getHost()}:${c.getMappedPort(KAFKA_HOST_PORT)}`;
  await c.copyContentToContainer([{ content: address, target: '/tmp/advertised' }]);
  await waitForKafka(c);
  return address;
}

/** Ready when the broker answers a real request (ApiVersions) on its internal listener. */
async function waitForKafka(c: StartedTestContainer, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const probe = ['/opt/kafka/bin/kafka-broker-api-versions.sh', '--bootstrap-server', 'localhost:9092'];
  while (Date.now() < deadline) {
    if ((await c.exec(probe)).exitCode === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`kafka container not ready after ${timeoutMs} ms`);
}

/**
 * Starts Mosquitto, PostgreSQL 15, InfluxDB 2.7 and Kafka 3.9 in containers when a Docker
 * engine is reachable and none of the endpoint variables is set; returns MQTT_URL,
 * KAFKA_BROKERS, INFLUX_*, DATABASE_URL. Returns null otherwise (no engine, or endpoints given).
 */
export async function startContainersIfDocker(
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, string> | null> {
  if (ENDPOINT_VARS.some((name) => env[name])) return null;
  if (!(await dockerReachable())) return null;
  const [mqttUrl, databaseUrl, influxUrl, kafkaBrokers] = await Promise.all([
    startMosquitto(),
    startPostgres(),
    startInflux(),
    startKafka(),
  ]);
  return {
    MQTT_URL: mqttUrl,
    KAFKA_BROKERS: kafkaBrokers,
    INFLUX_URL: influxUrl,
    INFLUX_TOKEN: INFLUX.token,
    INFLUX_ORG: INFLUX.org,
    INFLUX_BUCKET: INFLUX.bucket,
    DATABASE_URL: databaseUrl,
  };
}

/** Stops what startContainersIfDocker started (the testcontainers reaper also removes them at exit). */
export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((c) => c.stop()));
}
