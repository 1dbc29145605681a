/**
 * `pnpm start [--demo]`: the whole pipeline in one process. Embedded by default (aedes on
 * MQTT_PORT, HJ 212 TCP on HJ212_TCP_PORT, console on HTTP_PORT, in-memory bus, PGlite under
 * DATA_DIR); each port switches to its server when the environment names one.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { SiteIndex } from '@offsite/domain';
import { createConsole } from '@offsite/console';
import { createLogger, installShutdown, loadConfig, positiveInt, sharedEnv } from '@offsite/runtime';
import { planDemo, startDemo } from './demo.js';
import { readDemoState } from './demo-state.js';
import { startStack } from './stack.js';
import { checkSiteRules } from '@offsite/detectors';
import { checkedOrExit, loadCheckedSites } from './startup.js';

// Everything an operator can get wrong is checked before anything is created in DATA_DIR (the
// PGlite files, the admin token), and reported as one line instead of a stack trace.
const { env, logger, demoPlan, demoStateFile, sites } = checkedOrExit(() => {
  const { values: flags } = parseArgs({ options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (flags.help) {
    console.log('usage: pnpm start [--demo]   (configuration: environment variables, see README)');
    process.exit(0);
  }
  const env = loadConfig(sharedEnv.extend({ DEMO_DEVICES: positiveInt(12), DEMO_SEED: positiveInt(7), DEMO_HISTORY_HOURS: positiveInt(18) }));
  const logger = createLogger('offsite', env.LOG_LEVEL);
  // The demo's progress lives with the data it produced, so a restart carries on instead of replaying.
  const demoStateFile = join(env.DATA_DIR, 'demo-state.json');
  const demoPlan = flags.demo
    ? planDemo({ devices: env.DEMO_DEVICES, seed: env.DEMO_SEED, historyMs: env.DEMO_HISTORY_HOURS * 3_600_000, now: Date.now(), previous: readDemoState(demoStateFile) })
    : null;
  if (demoPlan && env.SITES_FILE) logger.warn('--demo uses its own site registry; SITES_FILE is ignored');
  const sites = demoPlan ? new SiteIndex(demoPlan.sites) : loadCheckedSites(env.SITES_FILE);
  if (demoPlan) checkSiteRules(sites.sites, 'demo registry');
  return { env, logger, demoPlan, demoStateFile, sites };
});

const stack = await startStack({ env, sites, logger });
const registry = Registry.merge(stack.registries);
const consoleApp = createConsole({ leadService: stack.leadService, seriesStore: stack.seriesStore, sites, bus: stack.bus, logger, registry, health: stack.health });
await consoleApp.start();
await consoleApp.app.listen({ port: env.HTTP_PORT, host: '0.0.0.0' });
const demo = demoPlan ? await startDemo(demoPlan, { bus: stack.bus, mqttUrl: stack.mqttUrl, tcpPort: stack.ingest.tcp?.port ?? env.HJ212_TCP_PORT, logger, stateFile: demoStateFile }) : null;

logger.info(
  {
    console: `http://127.0.0.1:${env.HTTP_PORT}/`,
    api: `http://127.0.0.1:${env.HTTP_PORT}/docs`,
    mqtt: stack.mqttUrl,
    hj212Tcp: stack.ingest.tcp?.port ?? null,
    bus: stack.bus.kind,
    seriesStore: stack.seriesStore.kind,
    leadStore: stack.leadStore.kind,
    sites: sites.size,
    demo: Boolean(demo),
    adminToken: stack.admin.source === 'env' ? 'ADMIN_TOKEN' : stack.admin.file,
  },
  'offsite running',
);
process.stderr.write(
  `\noffsite is running: console http://127.0.0.1:${env.HTTP_PORT}/  ·  MQTT ${stack.mqttUrl}  ·  HJ 212 TCP :${stack.ingest.tcp?.port}\n` +
    `log in with the admin token ${stack.admin.source === 'env' ? 'from ADMIN_TOKEN' : `in ${stack.admin.file}`}\n\n`,
);

installShutdown(logger, [
  ['demo fleet: stop', async () => void (await demo?.stop())],
  ...stack.stopSteps.slice(0, 1),
  ['console: stop streams and consumers', () => consoleApp.stop()],
  ...stack.stopSteps.slice(1),
  ['http: close', () => consoleApp.app.close()],
]);
