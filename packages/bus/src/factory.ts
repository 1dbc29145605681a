import type { Logger } from '@offsite/runtime';
import { createKafkaBus, type KafkaBusOptions } from './kafka/kafka-bus.js';
import { createMemoryBus, type MemoryBusOptions } from './memory/memory-bus.js';
import type { Bus } from './port.js';

export interface BusConfig {
  /** Kafka when set and non-empty (e.g. from KAFKA_BROKERS via runtime's csvList); memory otherwise. */
  kafkaBrokers?: string[];
  /** Kafka client id; also names the service in broker logs. */
  clientId?: string;
  logger?: Logger;
  /** Adapter-specific tuning, rarely needed. */
  kafka?: Omit<KafkaBusOptions, 'brokers' | 'clientId' | 'logger'>;
  memory?: Omit<MemoryBusOptions, 'logger'>;
}

/** The one way services get a Bus: picks the adapter from validated configuration. */
export function createBus(config: BusConfig = {}): Bus {
  if (config.kafkaBrokers && config.kafkaBrokers.length > 0) {
    return createKafkaBus({ ...config.kafka, brokers: config.kafkaBrokers, clientId: config.clientId ?? 'offsite', ...(config.logger ? { logger: config.logger } : {}) });
  }
  return createMemoryBus({ ...config.memory, ...(config.logger ? { logger: config.logger } : {}) });
}
