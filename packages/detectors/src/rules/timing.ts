// Shared input of the batch-level rules (late-data, clock-skew, duplicate-timestamp, data-gap).
import type { DataKind, Site } from '@offsite/domain';

export interface BatchInfo {
  mn: string;
  site: Site | undefined;
  kind: DataKind;
  cn: string;
  dataTime: number;
  receivedAt: number;
  readingCount: number;
}

/** How long after DataTime a packet of this kind is due (it is sent when its interval ends). */
export function dueAfter(kind: DataKind, interval: number): number {
  switch (kind) {
    case 'rtd':
      return 0;
    case 'minute':
      return Number.isFinite(interval) ? interval : 600_000;
    case 'hour':
      return 3_600_000;
    case 'day':
      return 86_400_000;
  }
}
