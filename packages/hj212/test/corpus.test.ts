import { describe, expect, it } from 'vitest';
import { ReadingBatch } from '@offsite/domain';
import { Hj212Error, parsePacket, toReadingBatch } from '../src/index.js';
import { readFixture, type FixtureLine } from './helpers.js';

function checkLine(line: FixtureLine): void {
  if (line.expectReject) {
    let caught: unknown;
    try {
      parsePacket(line.raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Hj212Error);
    if (line.expectCode) expect((caught as Hj212Error).code).toBe(line.expectCode);
    else if (!line.crcValid) expect((caught as Hj212Error).code).toBe('CRC_MISMATCH');
    else if (line.lengthValid === false) expect((caught as Hj212Error).code).toBe('BAD_LENGTH');
    return;
  }
  const packet = parsePacket(line.raw);
  const exp = line.expect;
  if (!exp) throw new Error(`fixture from ${line.source} has neither expect nor expectReject`);
  expect(packet.st).toBe(exp.ST);
  expect(packet.cn).toBe(exp.CN);
  expect(packet.mn).toBe(exp.MN);
  if (line.version) expect(packet.version).toBe(line.version);
  if (exp.DataTime !== undefined) expect(packet.data.dataTime).toBe(exp.DataTime);
  for (const [key, value] of Object.entries(exp.fields)) expect(packet.cp[key], key).toBe(value);
}

describe('brief sample corpus (fixtures/samples.jsonl)', () => {
  const lines = readFixture('samples.jsonl');
  it('has the 12 sample packets', () => expect(lines).toHaveLength(12));
  for (const [i, line] of lines.entries()) {
    it(`line ${i + 1}: ${line.expectReject ? 'rejected' : line.expect?.CN}`, () => checkLine(line));
  }
});

describe('real packets from the field (fixtures/real.jsonl)', () => {
  const lines = readFixture('real.jsonl');
  it('every line names its source and most have a verified CRC', () => {
    for (const line of lines) expect(line.source).toBeTruthy();
    expect(lines.filter((l) => l.crcValid && l.lengthValid).length).toBeGreaterThanOrEqual(30);
  });
  for (const [i, line] of lines.entries()) {
    it(`line ${i + 1}: ${line.expectReject ? `rejected ${line.expectCode}` : `CN ${line.expect?.CN} ${line.version}`}`, () => {
      checkLine(line);
      if (line.expectReject) return;
      // Data packets must also become readings (or fail with a typed error naming the key).
      const packet = parsePacket(line.raw);
      if (['2011', '2051', '2061', '2031'].includes(packet.cn)) {
        const batch = toReadingBatch(packet, { receivedAt: 0, source: 'replay' });
        expect(batch.readings.length).toBe(packet.data.pollutants.length);
        expect(ReadingBatch.safeParse(batch).success).toBe(true);
      }
    });
  }
  it('maps 2005 codes and keeps the original', () => {
    const line = lines.find((l) => l.raw.includes('MN=LD130102000027')) as FixtureLine;
    const batch = toReadingBatch(parsePacket(line.raw), { receivedAt: 0, source: 'replay' });
    expect(batch.protocol).toBe('2005');
    expect(batch.readings.find((r) => r.originalCode === 'S08')).toMatchObject({ code: 'a01013', value: 20.797541, text: '20.797541', flag: 'N' });
    expect(batch.readings.find((r) => r.originalCode === '02')).toMatchObject({ code: 'a21026', value: 5.46, converted: 5.55 });
    expect(batch.dataTime).toBe(Date.UTC(2016, 7, 23, 15, 42, 41));
  });
});
