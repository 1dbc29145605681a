/** Tunables of the ingest pipeline; every one has an INGEST_* variable (see config.ts, docs/ingest.md). */
export interface IngestOptions {
  /** What to do with an MN that is not in SITES_FILE. */
  registration: 'accept-unregistered' | 'reject-unregistered';
  /** DataTime/QN drift beyond this counts as clock skew: recorded, and a 1012 time set is sent. */
  clockSkewToleranceMs: number;
  /** DataTime further ahead of platform time than this is absurd: dead letter, not readings. */
  futureRejectMs: number;
  /** At most one 1012 time-set per MN per this interval. */
  calibrationIntervalMs: number;
  /** How many recent packet identities the duplicate detector remembers. */
  dedupWindow: number;
  /** An incomplete PNUM/PNO set older than this goes to the dead letters. */
  subPacketTimeoutMs: number;
  /** Flush to the bus when this many messages are waiting... */
  batchMaxMessages: number;
  /** ...or when the oldest has waited this long. */
  batchLingerMs: number;
  /** Bus sends in flight at once. */
  maxConcurrentSends: number;
  /** A failing bus send is retried with backoff for this long before the packets are refused. */
  busRetryMs: number;
  /** Silence before a device with no known cadence is declared offline. */
  offlineDefaultMs: number;
  /** Offline after this many times the device's observed cadence... */
  offlineCadenceFactor: number;
  /** ...but never sooner than this. */
  offlineFloorMs: number;
  /** How often presence is swept (and incomplete sub-packet sets expired). */
  sweepIntervalMs: number;
  /** Largest frame accepted (bytes of the whole frame); the standard says 1024 for the segment. */
  maxFrameBytes: number;
}

export const defaultIngestOptions: IngestOptions = {
  registration: 'accept-unregistered',
  clockSkewToleranceMs: 5 * 60_000,
  futureRejectMs: 24 * 3_600_000,
  calibrationIntervalMs: 3_600_000,
  dedupWindow: 200_000,
  subPacketTimeoutMs: 60_000,
  batchMaxMessages: 2_000,
  batchLingerMs: 5,
  maxConcurrentSends: 4,
  busRetryMs: 30_000,
  offlineDefaultMs: 10 * 60_000,
  offlineCadenceFactor: 3,
  offlineFloorMs: 60_000,
  sweepIntervalMs: 5_000,
  maxFrameBytes: 16_384,
};

export function resolveOptions(partial: Partial<IngestOptions> = {}): IngestOptions {
  return { ...defaultIngestOptions, ...partial };
}
