/** A line of input: its bytes (trailing CR removed), or how long it was when over the limit. */
export type InputLine = { bytes: Buffer; tooLong?: undefined } | { bytes?: undefined; tooLong: number };

/**
 * Splits a byte stream into LF-terminated lines without holding more than `maxLineBytes` of one
 * line: a longer line is consumed to its end and reported by size only.
 */
export async function* readLines(input: AsyncIterable<Uint8Array | string>, maxLineBytes: number): AsyncGenerator<InputLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let overflow = 0;
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(0x0a, from);
      const end = lf < 0 ? chunk.length : lf;
      const piece = chunk.subarray(from, end);
      if (overflow > 0 || held + piece.length > maxLineBytes) {
        overflow += held + piece.length;
        parts = [];
        held = 0;
      } else if (piece.length > 0) {
        parts.push(piece);
        held += piece.length;
      }
      if (lf < 0) break;
      if (overflow > 0) yield { tooLong: overflow };
      else yield { bytes: stripCr(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)) };
      parts = [];
      held = 0;
      overflow = 0;
      from = lf + 1;
    }
  }
  if (overflow > 0) yield { tooLong: overflow };
  else if (held > 0) yield { bytes: stripCr(Buffer.concat(parts)) };
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
