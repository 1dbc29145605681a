import { readFileSync } from 'node:fs';
import { parseSiteRegistry, SiteIndex } from '@offsite/domain';

/** Load SITES_FILE (JSON or YAML). No file → an empty registry: every MN is unregistered. */
export function loadSites(path: string | undefined): SiteIndex {
  if (!path) return new SiteIndex([]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`SITES_FILE ${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return new SiteIndex(parseSiteRegistry(text, `SITES_FILE ${path}`).sites);
}
