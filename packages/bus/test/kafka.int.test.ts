import { infraAvailable } from '@offsite/runtime/testing';
import { describe } from 'vitest';
import { createKafkaBus } from '../src/index.js';
import { busContract } from './contract.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);

describe.skipIf(!infraAvailable('kafka'))('kafka bus (KAFKA_BROKERS)', () => {
  busContract(
    'kafka',
    async () =>
      createKafkaBus({
        brokers,
        clientId: 'bus-contract',
        // Short heartbeats so a joining member's rebalance completes in well under a second or two.
        heartbeatIntervalMs: 300,
        sessionTimeoutMs: 10_000,
        handlerRetry: { initialMs: 50, maxMs: 500 },
      }),
    { partitions: 4, deliveryTimeoutMs: 30_000 },
  );
});
