import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPacket, FrameDecoder, parsePacket, type DecodeEvent } from '../src/index.js';

const frameA = buildPacket({ qn: '20240101000000001', st: '31', cn: '2011', pw: '1', mn: 'MN-A', flag: 5, cp: { DataTime: '20240101080000', 'a21026-Rtd': '1.5' } });
const frameB = buildPacket({ qn: '20240101000000002', st: '32', cn: '2061', pw: '1', mn: 'MN-B', flag: 4, cp: { DataTime: '20240101080000', 'w01018-Avg': '20.0' } });

function frames(events: DecodeEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'frame' ? [e.frame.toString('latin1')] : []));
}
function errors(events: DecodeEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'error' ? [e.error.code] : []));
}

describe('FrameDecoder', () => {
  it('yields several frames from one chunk, without line ends', () => {
    const d = new FrameDecoder();
    const out = d.push(Buffer.from(frameA + frameB));
    expect(frames(out)).toEqual([frameA.trimEnd(), frameB.trimEnd()]);
    expect(d.buffered).toBe(0);
  });

  it('joins a frame split across chunks at every position', () => {
    const bytes = Buffer.from(frameA + frameB);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames(out), `cut at ${cut}`).toEqual([frameA.trimEnd(), frameB.trimEnd()]);
      expect(errors(out), `cut at ${cut}`).toEqual([]);
    }
  });

  it('skips and reports garbage between frames', () => {
    const d = new FrameDecoder();
    const out = d.push(Buffer.from(`junk!${frameA}\x00\x01xx${frameB}`));
    expect(frames(out)).toEqual([frameA.trimEnd(), frameB.trimEnd()]);
    expect(errors(out)).toEqual(['GARBAGE', 'GARBAGE']);
  });

  it('recovers from a wrong length field by cutting at the line end', () => {
    const wrong = frameA.replace(/^##\d{4}/, '##0010');
    const d = new FrameDecoder();
    const out = d.push(Buffer.from(wrong + frameB));
    const got = frames(out);
    expect(got).toHaveLength(2);
    expect(() => parsePacket(got[0] as string)).toThrowError(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(parsePacket(got[1] as string).mn).toBe('MN-B');
  });

  it('reports a frame longer than the limit and resynchronises', () => {
    const d = new FrameDecoder({ maxFrameBytes: 64 });
    const out = d.push(Buffer.from(frameA + '##0012QN=1;CP=&&&&0000\r\n'));
    expect(errors(out)).toContain('TOO_LONG');
    expect(frames(out)).toEqual(['##0012QN=1;CP=&&&&0000']);
  });

  it('never holds more than the limit when no frame end comes', () => {
    const d = new FrameDecoder({ maxFrameBytes: 100 });
    const out = d.push(Buffer.from('##9' + 'x'.repeat(500)));
    expect(errors(out)).toContain('TOO_LONG');
    expect(d.buffered).toBeLessThanOrEqual(100);
  });

  it('reports a truncated frame at end of stream', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from(frameA.slice(0, 40)))).toEqual([]);
    expect(errors(d.end())).toEqual(['TRUNCATED']);
  });

  it('gives the same frames whatever the chunking (property)', () => {
    const stream = Buffer.from(`${frameA}xx${frameB}\n${frameA}`);
    const whole = frames(new FrameDecoder().push(stream));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const d = new FrameDecoder();
        const out: DecodeEvent[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          out.push(...d.push(stream.subarray(prev, p)));
          prev = p;
        }
        expect(frames(out)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
