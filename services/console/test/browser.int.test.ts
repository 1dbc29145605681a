import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_PUBLIC_DIR } from '../src/plugins/static.js';
import { anomaly, startStack, T0, tokens, H, type Stack } from './stack.js';
import { seedDemo } from './demo-data.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test/artifacts/', import.meta.url));

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `${CHROMIUM} not found; install it with: apt-get install -y --no-upgrade chromium`;
  if (process.env.REQUIRE_INFRA === '1') throw new Error(`REQUIRE_INFRA=1 but ${msg}`);
  console.warn(`skipping console browser test: ${msg}`);
  return false;
}

describe.skipIf(!chromiumAvailable())('console page in chromium', () => {
  let s: Stack;
  let ctx: BrowserContext;
  let page: Page;
  let base: string;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startStack({ publicDir: DEFAULT_PUBLIC_DIR, options: { heartbeatMs: 5000 } });
    await seedDemo(s);
    await s.console.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.console.app.server.address() as AddressInfo).port}/`;
    profile = mkdtempSync(join(tmpdir(), 'offsite-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      viewport: { width: 1600, height: 1000 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await ctx?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('logs in with a token, shows a new breach live, opens its lead and acknowledges it', async () => {
    await page.goto(base);
    await page.fill('#token', 'wrong-token');
    await page.click('#login');
    await page.waitForSelector('.login .error:not(:empty)');
    await page.fill('#token', tokens.county);
    await page.click('#login');
    await page.waitForSelector('tr[data-mn="HZ0001"]');
    // The county officer never sees the other county's site.
    expect(await page.locator('tr[data-mn="HZ0101"]').count()).toBe(0);
    await page.waitForSelector('#feed-state.on');
    await page.screenshot({ path: join(ARTIFACTS, 'console-1-sites.png') });

    const breach = anomaly('HZ0002', { start: T0 + 20_000 * H, severity: 'critical' });
    const elsewhere = anomaly('HZ0101', { start: T0 + 20_000 * H, severity: 'critical' });
    const sentAt = Date.now();
    await s.publishAnomalies([elsewhere, breach]);
    const leadAlert = page.locator('.alert[data-type="lead"][data-mn="HZ0002"][data-lead]:not([data-lead=""])').first();
    await leadAlert.waitFor({ timeout: 10_000 });
    const seenAfterMs = Date.now() - sentAt;
    expect(seenAfterMs).toBeLessThan(10_000);
    expect(await page.locator(`.alert[data-type="anomaly"][data-mn="HZ0002"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('.alert[data-mn="HZ0101"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'console-2-live-alert.png') });

    // Acknowledge the alert on the desk (shared with every screen of the region).
    await page.locator('.alert[data-type="anomaly"][data-mn="HZ0002"] [data-ack]').first().click();
    await page.waitForSelector('.alert.acked[data-type="anomaly"][data-mn="HZ0002"]');

    const leadId = await leadAlert.getAttribute('data-lead');
    await leadAlert.locator('a').click();
    await page.waitForSelector('[data-test="audit"] li');
    await page.screenshot({ path: join(ARTIFACTS, 'console-3-lead.png'), fullPage: true });
    await page.click('button[data-action="acknowledge"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-test="audit"] li').length >= 2);
    const lead = await s.store.getLead(leadId!);
    expect(lead?.status).toBe('acknowledged');
    expect(await page.locator('[data-test="lead-status"]').textContent()).toBe('已确认');
    await page.screenshot({ path: join(ARTIFACTS, 'console-4-acknowledged.png'), fullPage: true });

    await page.goto(`${base}#/sites/HZ0001`);
    await page.waitForSelector('[data-pollutant="a21026"] svg .limit', { state: 'attached' });
    expect(await page.locator('[data-pollutant="a21026"] svg .span-anomaly').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-pollutant="a21026"] svg .span-flag').count()).toBeGreaterThan(0);
    await page.click('#lang');
    await page.waitForSelector('text=Hourly averages');
    await page.screenshot({ path: join(ARTIFACTS, 'console-5-site-en.png'), fullPage: true });

    // The city supervisor filters the sites view by region: one county, then one outside the city.
    await page.click('#logout');
    await page.fill('#token', tokens.city);
    await page.click('#login');
    await page.goto(`${base}#/sites`);
    await page.waitForSelector('tr[data-mn="HZ0101"]');
    expect(await page.locator('tr[data-mn="HZ0001"]').count()).toBe(1);
    await page.fill('[data-test="site-region"]', '330105');
    await page.press('[data-test="site-region"]', 'Enter');
    await page.waitForFunction(() => !document.querySelector('tr[data-mn="HZ0001"]'));
    expect(await page.locator('tbody tr[data-mn]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-mn')))).toEqual(['HZ0101']);
    // Nothing of the site page still loading when the route changed ends up under the sites view.
    expect(await page.locator('[data-pollutant]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'console-6-sites-region.png') });
    await page.fill('[data-test="site-region"]', '440305');
    await page.press('[data-test="site-region"]', 'Enter');
    await page.waitForSelector('text=outside scope 330100');
    expect(await page.locator('tbody tr[data-mn]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
