import type { Reading, ReadingBatch } from '@offsite/domain';

/** A real-time (CN 2011) batch at `dataTime`, arriving one second later: the tests' and bench's input. */
export function rtdBatch(mn: string, dataTime: number, readings: Reading[]): ReadingBatch {
  return { mn, st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime, receivedAt: dataTime + 1000, protocol: '2017', source: 'mqtt', readings };
}
