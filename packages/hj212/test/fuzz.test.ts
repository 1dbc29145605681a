import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPacket, FrameDecoder, Hj212Error, parsePacket, toReadingBatch } from '../src/index.js';
import { buildInput } from './arbitraries.js';
import { readFixture } from './helpers.js';

const real = readFixture('samples.jsonl').map((l) => l.raw);

/** Runs fn; anything thrown must be an Hj212Error. */
function onlyHj212Errors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof Hj212Error)) throw new Error(`threw a non-Hj212Error: ${String(err)}`, { cause: err });
  }
}

function parseAndRead(input: string | Uint8Array): void {
  onlyHj212Errors(() => {
    const p = parsePacket(input);
    toReadingBatch(p, { receivedAt: 0, source: 'tcp' });
  });
}

describe('fuzz: only Hj212Error, never a hang', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => parseAndRead(bytes)), { numRuns: 500 });
  });

  it('random strings with frame-like pieces', () => {
    const piece = fc.oneof(fc.constantFrom('##', '&&', ';', ',', '=', 'CP=', 'QN=', 'Flag=', '-Rtd', '\r\n', '0101'), fc.string({ maxLength: 8 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }).map((a) => a.join('')), (s) => parseAndRead(s)), { numRuns: 500 });
  });

  it('truncations of real packets', () => {
    for (const raw of real) for (let n = 0; n < raw.length; n += 7) parseAndRead(raw.slice(0, n));
  });

  it('byte mutations of real packets (also with the CRC fixed up)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (raw, edits) => {
        const bytes = Buffer.from(raw);
        for (const [at, b] of edits) bytes[at % bytes.length] = b;
        parseAndRead(bytes);
        // Re-frame the mutated data segment so the mutation reaches the segment parser.
        const data = bytes.subarray(6, bytes.length - 4).toString('latin1');
        onlyHj212Errors(() => parseAndRead(`##${String(Buffer.byteLength(data)).padStart(4, '0')}${data}0000`));
      }),
      { numRuns: 500 },
    );
  });

  it('generated packets with spliced junk', () => {
    fc.assert(
      fc.property(buildInput, fc.nat(), fc.string({ maxLength: 5 }), (input, at, junk) => {
        const frame = buildPacket(input);
        const i = at % frame.length;
        parseAndRead(frame.slice(0, i) + junk + frame.slice(i));
      }),
      { numRuns: 300 },
    );
  });

  it('the stream decoder on random chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 50 }), fc.constantFrom(...real).map((r) => Buffer.from(r + '\r\n'))), { maxLength: 12 }), (chunks) => {
        const d = new FrameDecoder({ maxFrameBytes: 2048 });
        for (const c of chunks) {
          for (const e of d.push(c)) {
            if (e.type === 'frame') parseAndRead(e.frame);
            else expect(e.error).toBeInstanceOf(Hj212Error);
          }
          expect(d.buffered).toBeLessThanOrEqual(2048 + 50);
        }
        d.end();
      }),
      { numRuns: 300 },
    );
  });
});
