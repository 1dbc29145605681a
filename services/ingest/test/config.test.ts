import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig } from '@offsite/runtime';
import { IngestEnv, pipelineOptionsFromEnv } from '../src/config.js';
import { defaultIngestOptions } from '../src/options.js';

describe('ingest configuration', () => {
  it('defaults: TCP port 6000, MQTT auto/shared auto, documented pipeline defaults', () => {
    const env = loadConfig(IngestEnv, {});
    expect(env).toMatchObject({ HJ212_TCP_PORT: 6000, INGEST_TCP: 'on', INGEST_MQTT_PROTOCOL: 'auto', INGEST_MQTT_SHARED: 'auto', INGEST_MQTT_CLIENTS: 4, INGEST_MQTT_TOPIC_PREFIX: '' });
    expect(pipelineOptionsFromEnv(env)).toEqual(defaultIngestOptions);
  });

  it('reads tunables and names the variable that is wrong', () => {
    const env = loadConfig(IngestEnv, { INGEST_REGISTRATION: 'reject-unregistered', INGEST_BATCH_LINGER_MS: '20', KAFKA_BROKERS: 'a:1,b:2' });
    expect(pipelineOptionsFromEnv(env)).toMatchObject({ registration: 'reject-unregistered', batchLingerMs: 20 });
    expect(env.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(() => loadConfig(IngestEnv, { INGEST_REGISTRATION: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig(IngestEnv, { INGEST_MQTT_TOPIC_PREFIX: 'a/+/' })).toThrow(/INGEST_MQTT_TOPIC_PREFIX/);
    expect(() => loadConfig(IngestEnv, { HJ212_TCP_PORT: 'x' })).toThrow(/HJ212_TCP_PORT/);
  });
});
