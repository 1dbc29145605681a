import { createLogger } from '@offsite/runtime';
import { seriesStoreContract } from './contract.js';
import { createEmbeddedSeriesStore } from '../src/index.js';

seriesStoreContract('embedded (in-memory PGlite)', () => createEmbeddedSeriesStore({ memory: true, logger: createLogger('series-store-test') }));
