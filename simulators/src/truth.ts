import { RuleId } from '@offsite/domain';
import { z } from 'zod';

/**
 * One ground-truth window: what was injected on which device. `device` repeats `mn` (the
 * issue's wording); `pollutant` null means the whole device (e.g. clock skew, a copied packet).
 * Times are ISO 8601 UTC, end exclusive.
 */
export const TruthLabel = z.object({
  scenario: z.string(),
  mn: z.string(),
  device: z.string(),
  pollutant: z.string().nullable(),
  pattern: RuleId,
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  note: z.string().optional(),
});
export type TruthLabel = z.infer<typeof TruthLabel>;

export function truthLabel(scenario: string, mn: string, pollutant: string | null, pattern: RuleId, start: number, end: number, note?: string): TruthLabel {
  const label: TruthLabel = { scenario, mn, device: mn, pollutant, pattern, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
  if (note) label.note = note;
  return label;
}

export function truthToJsonl(labels: readonly TruthLabel[]): string {
  return labels.map((l) => JSON.stringify(l)).join('\n') + (labels.length ? '\n' : '');
}

/** Parse a truth file; errors name the line. */
export function parseTruthJsonl(text: string): TruthLabel[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      const r = TruthLabel.safeParse(JSON.parse(line));
      if (!r.success) throw new Error(`truth line ${n}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return r.data;
    });
}
