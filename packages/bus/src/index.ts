export * from './port.js';
export { createBus, type BusConfig } from './factory.js';
export { createMemoryBus, type MemoryBus, type MemoryBusOptions } from './memory/memory-bus.js';
export { createKafkaBus, type KafkaBusOptions } from './kafka/kafka-bus.js';
export { partitionForKey } from './partitioner.js';
export type { HandlerRetryPolicy } from './handler-retry.js';
