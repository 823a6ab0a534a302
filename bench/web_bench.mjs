// Dashboard benchmark: the records page of a 10,000-record zone in headless Chromium
// (playwright-core, /usr/bin/chromium) against a real `dnsedge serve` on loopback.
//   - time to first rows and to a usable table (rows shown, pager and proxy toggles ready),
//     from navigation start, median of 5 loads;
//   - toggle proxy in the page (through the confirm step) until DNS answers the change, p95 of 10;
//   - the embedded assets' size, gzip, against the budget below.
// Run: DNSEDGE_BIN=build/dnsedge node bench/web_bench.mjs   (after `make build`)
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, TOKEN, startServer } from '../tests/web/server.mjs';

const BUDGET_GZIP = 60 * 1024; // every embedded file, gzip-compressed
const RECORDS = 10000;
const require = createRequire(join(ROOT, 'web/package.json'));
const { chromium } = require('playwright-core');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

function gzipSize(dir) {
  let total = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    if (f.isDirectory()) total += gzipSize(p);
    else if (f.name.endsWith('.gz')) total += statSync(p).size;
  }
  return total;
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const zone = (await server.api('POST', '/zones', { name: 'bench.test' })).result;
  for (let start = 0; start < RECORDS; start += 2500) {
    const posts = [];
    for (let i = start; i < Math.min(RECORDS, start + 2500); i++) {
      posts.push({ type: 'A', name: `h${i}`, content: `192.0.${(i >> 8) & 255}.${i & 255}`, ttl: 300, proxied: i % 2 === 0 });
    }
    const r = await server.api('POST', `/zones/${zone.id}/dns_records/batch`, { posts });
    if (!r.success) throw new Error(JSON.stringify(r.errors));
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.base}/signin`);
  await page.evaluate((t) => sessionStorage.setItem('dnsedge.token', t), TOKEN);

  const first = [];
  const usable = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(`${server.base}/zones/${zone.id}/dns`);
    await page.locator('table.records tbody tr').first().waitFor();
    first.push(await page.evaluate(() => performance.now()));
    await page.locator('.pager', { hasText: `${RECORDS} records` }).waitFor();
    await page.locator('table.records button.cloud').first().waitFor();
    usable.push(await page.evaluate(() => performance.now()));
    // The dc-records lookups that follow the rows finish before the next load (the API's
    // writer answers in order: a new load would otherwise queue behind them).
    await page.locator('.dc-records').waitFor();
  }

  // The API call the page waits for, alone (same server, same run): the page's cost above it.
  const timeApi = async (path) => {
    const runs = [];
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      const r = await server.api('GET', path);
      if (!r.success) throw new Error(`${path}: ${JSON.stringify(r.errors)}`);
      runs.push(performance.now() - t0);
    }
    return median(runs);
  };
  const apiList = await timeApi(`/zones/${zone.id}/dns_records?page=1&per_page=50`);
  // The other reads of the records page and of the record detail page, each alone.
  const apiReads = [
    ['page 1, 50 a page', `/zones/${zone.id}/dns_records?page=1&per_page=50`],
    ['page 100, 50 a page', `/zones/${zone.id}/dns_records?page=100&per_page=50`],
    ['search "h99", page 1', `/zones/${zone.id}/dns_records?search=h99&page=1&per_page=50`],
    ['order=content desc, page 1', `/zones/${zone.id}/dns_records?order=content&direction=desc&page=1&per_page=50`],
    ['served view of one name', `/zones/${zone.id}/dns_records/served?name=h5000`],
    ['served view of the whole zone', `/zones/${zone.id}/dns_records/served`],
  ];
  const apiTimes = [];
  for (const [what, path] of apiReads) apiTimes.push([what, await timeApi(path)]);

  const toggles = [];
  for (let i = 0; i < 10; i++) {
    const row = page.locator('table.records tbody tr').first();
    const name = (await row.locator('td.name').textContent()).trim();
    const wasProxied = /Proxied/.test(await row.locator('button.cloud').textContent());
    const t0 = performance.now();
    await row.locator('button.cloud').click();
    await page.locator('dialog.confirm[open]').getByRole('button', { name: 'Save' }).click();
    for (;;) {
      const out = execFileSync('kdig', ['@127.0.0.1', '-p', String(server.dnsPort), '+short', name, 'A'], { encoding: 'utf8' });
      const edge = out.includes('127.0.0.11');
      if (edge !== wasProxied) break;
      if (performance.now() - t0 > 10000) throw new Error('DNS did not change within 10 s');
    }
    toggles.push(performance.now() - t0);
    await page.locator('dialog.confirm[open]').waitFor({ state: 'detached' }).catch(() => {});
    await page.locator('table.records tbody tr').first().locator('button.cloud', { hasText: wasProxied ? 'DNS only' : 'Proxied' }).waitFor();
  }

  const size = gzipSize(join(ROOT, 'build/web-dist'));
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`records page, ${RECORDS} records (50 a page), median of 5:`);
  console.log(`  first rows:   ${ms(median(first))}   (runs: ${first.map(ms).join(', ')})`);
  console.log(`  usable table: ${ms(median(usable))}   (runs: ${usable.map(ms).join(', ')})`);
  console.log(`  the API's page-1 listing alone: ${ms(apiList)}; first rows / listing = ${(median(first) / apiList).toFixed(1)}x`);
  console.log('API reads alone, median of 5:');
  for (const [what, t] of apiTimes) console.log(`  ${what}: ${ms(t)}`);
  console.log(`toggle proxy in the page -> DNS answers the change, p95 of 10: ${ms(p95(toggles))} (median ${ms(median(toggles))})`);
  console.log(`embedded assets, gzip: ${size} bytes (budget ${BUDGET_GZIP}: ${size <= BUDGET_GZIP ? 'within' : 'OVER'})`);
  if (size > BUDGET_GZIP) process.exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
}
