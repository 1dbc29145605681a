import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * What a `--demo` run has sent, kept in DATA_DIR so that a restart on the same data carries on
 * where it stopped: replaying the history again would send data the pipeline already holds,
 * and detection rightly calls that late data (a late-data lead on every device, honest ones too).
 */
export const DemoRunState = z.strictObject({
  devices: z.number().int().positive(),
  seed: z.number().int(),
  historyMs: z.number().int().positive(),
  /** Start of the simulated run (epoch ms): the same start, seed and size give the same packets. */
  start: z.number().int(),
  /** Send time (epoch ms) of the last packet handed to the pipeline. */
  sentUntil: z.number().int(),
});
export type DemoRunState = z.infer<typeof DemoRunState>;

/** The state a previous run left in `file`, or null when there is none. */
export function readDemoState(file: string): DemoRunState | null {
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); delete it to start the demo afresh`, { cause: err });
  }
  const parsed = DemoRunState.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${file}: not a demo state file (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}); delete it to start the demo afresh`);
  }
  return parsed.data;
}

/** Writes through a temporary file, so a crash mid-write never leaves half a file. */
export function writeDemoState(file: string, state: DemoRunState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
