import { FrameDecoder } from '@offsite/hj212';

/**
 * TCP framing on top of the codec's FrameDecoder: frames to parse, and what was skipped (garbage
 * between frames, oversize frames) to report. The decoder tells how many bytes it skipped and why;
 * the bytes themselves are not kept by it, so the report carries the count and the reason.
 */
export interface GarbageRun {
  code: string;
  skipped: number;
  reason: string;
}

export interface FrameStream {
  push(chunk: Buffer): { frames: Buffer[]; garbage: GarbageRun[] };
  /** End of the connection: an unfinished frame, if any. */
  end(): GarbageRun[];
}

export function createFrameStream(opts: { maxFrameBytes: number }): FrameStream {
  const decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes });
  const split = (events: ReturnType<FrameDecoder['push']>) => {
    const frames: Buffer[] = [];
    const garbage: GarbageRun[] = [];
    for (const e of events) {
      if (e.type === 'frame') frames.push(e.frame);
      else garbage.push({ code: e.error.code, skipped: e.skipped, reason: e.error.message });
    }
    return { frames, garbage };
  };
  return {
    push: (chunk) => split(decoder.push(chunk)),
    end: () => split(decoder.end()).garbage,
  };
}
