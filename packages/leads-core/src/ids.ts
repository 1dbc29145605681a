import { sha256Hex } from './canonical.js';

/** A lead's id derives from the anomaly that opened it, so a replay opens the same lead. */
export function leadIdFor(firstAnomalyId: string): string {
  return `ld_${sha256Hex(`lead|${firstAnomalyId}`).slice(0, 20)}`;
}
