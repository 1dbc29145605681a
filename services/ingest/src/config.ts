import { z } from 'zod';
import { positiveInt, sharedEnv } from '@offsite/runtime';
import { defaultIngestOptions as d, type IngestOptions } from './options.js';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const ms = (fallback: number) => positiveInt(fallback);
const choice = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(blank, z.enum(values).default(fallback as never)) as unknown as z.ZodType<T[number]>;

/**
 * Ingest's environment: the shared contract (HTTP_PORT, HJ212_TCP_PORT default 6000, MQTT_URL,
 * KAFKA_BROKERS, SITES_FILE) plus INGEST_* tunables, all documented in docs/ingest.md.
 */
export const IngestEnv = sharedEnv
  .pick({ HTTP_PORT: true, HJ212_TCP_PORT: true, MQTT_URL: true, KAFKA_BROKERS: true, SITES_FILE: true, LOG_LEVEL: true })
  .extend({
    INGEST_TCP: choice(['on', 'off'], 'on'),
    INGEST_TCP_HOST: z.preprocess(blank, z.string().default('0.0.0.0')),
    INGEST_TCP_MAX_CONNECTIONS: positiveInt(10_000),
    INGEST_TCP_IDLE_TIMEOUT_MS: ms(5 * 60_000),
    INGEST_MQTT_PROTOCOL: choice(['auto', '4', '5'], 'auto'),
    INGEST_MQTT_SHARED: choice(['auto', 'always', 'never'], 'auto'),
    INGEST_MQTT_GROUP: z.preprocess(blank, z.string().regex(/^[^/+#]+$/, 'a share group name has no / + #').default('ingest')),
    INGEST_MQTT_CLIENT_ID: z.preprocess(blank, z.string().optional()),
    INGEST_MQTT_CLIENTS: positiveInt(4),
    INGEST_MQTT_RECEIVE_MAXIMUM: positiveInt(1_000),
    INGEST_MQTT_USERNAME: z.preprocess(blank, z.string().optional()),
    INGEST_MQTT_PASSWORD: z.preprocess(blank, z.string().optional()),
    INGEST_MQTT_TOPIC_PREFIX: z.preprocess(blank, z.string().regex(/^([^+#]*\/)?$/, 'a topic prefix ends with / and has no + #').default('')),
    INGEST_MAX_PENDING: positiveInt(50_000),
    INGEST_REGISTRATION: choice(['accept-unregistered', 'reject-unregistered'], d.registration),
    INGEST_CLOCK_SKEW_TOLERANCE_MS: ms(d.clockSkewToleranceMs),
    INGEST_FUTURE_REJECT_MS: ms(d.futureRejectMs),
    INGEST_CALIBRATION_INTERVAL_MS: ms(d.calibrationIntervalMs),
    INGEST_DEDUP_WINDOW: positiveInt(d.dedupWindow),
    INGEST_SUBPACKET_TIMEOUT_MS: ms(d.subPacketTimeoutMs),
    INGEST_BATCH_MAX: positiveInt(d.batchMaxMessages),
    INGEST_BATCH_LINGER_MS: ms(d.batchLingerMs),
    INGEST_BUS_RETRY_MS: ms(d.busRetryMs),
    INGEST_BUS_CONCURRENT_SENDS: positiveInt(d.maxConcurrentSends),
    INGEST_OFFLINE_DEFAULT_MS: ms(d.offlineDefaultMs),
    INGEST_OFFLINE_CADENCE_FACTOR: positiveInt(d.offlineCadenceFactor),
    INGEST_OFFLINE_FLOOR_MS: ms(d.offlineFloorMs),
    INGEST_SWEEP_INTERVAL_MS: ms(d.sweepIntervalMs),
    INGEST_MAX_FRAME_BYTES: positiveInt(d.maxFrameBytes),
  });
export type IngestEnv = z.infer<typeof IngestEnv>;

export function pipelineOptionsFromEnv(env: IngestEnv): IngestOptions {
  return {
    registration: env.INGEST_REGISTRATION,
    clockSkewToleranceMs: env.INGEST_CLOCK_SKEW_TOLERANCE_MS,
    futureRejectMs: env.INGEST_FUTURE_REJECT_MS,
    calibrationIntervalMs: env.INGEST_CALIBRATION_INTERVAL_MS,
    dedupWindow: env.INGEST_DEDUP_WINDOW,
    subPacketTimeoutMs: env.INGEST_SUBPACKET_TIMEOUT_MS,
    batchMaxMessages: env.INGEST_BATCH_MAX,
    batchLingerMs: env.INGEST_BATCH_LINGER_MS,
    busRetryMs: env.INGEST_BUS_RETRY_MS,
    maxConcurrentSends: env.INGEST_BUS_CONCURRENT_SENDS,
    offlineDefaultMs: env.INGEST_OFFLINE_DEFAULT_MS,
    offlineCadenceFactor: env.INGEST_OFFLINE_CADENCE_FACTOR,
    offlineFloorMs: env.INGEST_OFFLINE_FLOOR_MS,
    sweepIntervalMs: env.INGEST_SWEEP_INTERVAL_MS,
    maxFrameBytes: env.INGEST_MAX_FRAME_BYTES,
  };
}
