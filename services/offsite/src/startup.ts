import { SiteIndex } from '@offsite/domain';
import { checkSiteRules } from '@offsite/detectors';
import { loadSites } from '@offsite/runtime';

/**
 * The site registry the all-in-one runs with, checked in full before anything is created in
 * DATA_DIR: the file is readable, every entry parses, and every per-site rule override is
 * valid (detection would otherwise refuse it only after the stack, and the admin token, exist).
 * Throws an Error whose message names the file, the entry (index and MN) and the field.
 */
export function loadCheckedSites(path: string | undefined): SiteIndex {
  const sites = loadSites(path);
  checkSiteRules(sites.sites, path ? `SITES_FILE ${path}` : 'site registry');
  return sites;
}


/**
 * Runs the start-up checks (flags, environment, registry). Any failure there is a configuration
 * problem for the operator: one line on stderr, `offsite: <what is wrong>`, exit code 2, no stack.
 */
export function checkedOrExit<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`offsite: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(2);
  }
}
