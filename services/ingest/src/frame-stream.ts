/**
 * Cuts HJ 212 frames out of a TCP byte stream: a frame may arrive split over segments, several may
 * share one, and anything that is not a frame is handed back as garbage (to be reported).
 * Frames are only cut here; CRC and content are checked by the codec's parsePacket.
 */
export interface GarbageRun {
  bytes: Buffer;
  code: 'GARBAGE' | 'TOO_LONG';
  reason: string;
}

export interface FrameStream {
  push(chunk: Buffer): { frames: Buffer[]; garbage: GarbageRun[] };
  /** Bytes still held (an unfinished frame) when the connection ends. */
  end(): Buffer;
}

const HASH = 0x23;

export function createFrameStream(opts: { maxFrameBytes: number }): FrameStream {
  let buf: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const frames: Buffer[] = [];
      const garbage: GarbageRun[] = [];
      let pos = 0;
      const junk = (until: number, code: GarbageRun['code'], reason: string) => {
        if (until > pos) garbage.push({ bytes: Buffer.from(buf.subarray(pos, until)), code, reason });
        pos = until;
      };
      while (pos < buf.length) {
        const start = findHeader(buf, pos);
        if (start < 0) {
          // Keep a trailing '#': it may be the first half of the next header.
          const keep = buf[buf.length - 1] === HASH ? buf.length - 1 : buf.length;
          junk(keep, 'GARBAGE', 'bytes outside any frame');
          break;
        }
        if (start > pos) junk(start, 'GARBAGE', 'bytes before a frame header');
        if (buf.length - pos < 6) break; // header not complete yet
        const len = readLength(buf, pos + 2);
        if (len < 0) {
          junk(pos + 1, 'GARBAGE', '"##" not followed by a 4-digit length'); // one byte: "###0086" still holds a frame
          continue;
        }
        const frameLen = 6 + len + 4;
        if (frameLen > opts.maxFrameBytes) {
          junk(pos + 6, 'TOO_LONG', `frame of ${frameLen} bytes exceeds the ${opts.maxFrameBytes}-byte limit`);
          continue;
        }
        let end = pos + frameLen;
        if (buf.length < end) break; // wait for the rest
        if (buf[end] === 0x0d) {
          if (buf.length < end + 2) break; // wait for the \n
          if (buf[end + 1] === 0x0a) end += 2;
        } else if (buf[end] === 0x0a) end += 1;
        frames.push(Buffer.from(buf.subarray(pos, end)));
        pos = end;
      }
      buf = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
      if (buf.length > opts.maxFrameBytes + 2) {
        // cannot happen with the checks above; a guard against unbounded growth all the same
        garbage.push({ bytes: buf, code: 'TOO_LONG', reason: 'unframed bytes beyond the frame limit' });
        buf = Buffer.alloc(0);
      }
      return { frames, garbage };
    },
    end() {
      const rest = buf;
      buf = Buffer.alloc(0);
      return rest;
    },
  };
}

function findHeader(buf: Buffer, from: number): number {
  let i = buf.indexOf(HASH, from);
  while (i >= 0) {
    if (i + 1 >= buf.length) return -1; // lone '#' at the end: undecided
    if (buf[i + 1] === HASH) return i;
    i = buf.indexOf(HASH, i + 1);
  }
  return -1;
}

function readLength(buf: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < at + 4; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}
