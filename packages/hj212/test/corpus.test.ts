import { describe, expect, it } from 'vitest';
import { Hj212Error, parsePacket } from '../src/index.js';
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
