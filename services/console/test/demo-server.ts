/**
 * Look at the page by hand: `npx tsx services/console/test/demo-server.ts [port]` starts the
 * in-process stack with demo data and prints the tokens. Not a test.
 */
import { defaultSites, startStack, tokens } from './stack.js';
import { seedDemo } from './demo-data.js';
import { DEFAULT_PUBLIC_DIR } from '../src/plugins/static.js';

const s = await startStack({ publicDir: DEFAULT_PUBLIC_DIR, sites: defaultSites, options: { heartbeatMs: 15_000 } });
await seedDemo(s);
const port = Number(process.argv[2] ?? 18_980);
await s.console.app.listen({ port, host: '127.0.0.1' });
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/`, tokens }));
process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
