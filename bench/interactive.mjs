// Time until a page is interactive in headless Chromium: from the navigation's start to
// the moment the WASM has hydrated the page's islands (`body[data-hydrated=true]`, set
// once they are live, its `data-hydrated-at`), p50 / p95 over RUNS loads of each page after one load that warms the
// server's caches. Signs in as alice through the simulator's consent page first.
// Usage: node bench/interactive.mjs BASE RUNS PATH...   (bench page-speed runs it)
import { chromium } from 'playwright-core';

const [base, runsText, ...paths] = process.argv.slice(2);
const runs = Number(runsText) || 10;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext()).newPage();
  // A page that never hydrates says why (a panic, a failed fetch) instead of a bare timeout.
  page.on('pageerror', (e) => console.error(`page error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console error on ${page.url()}: ${m.text()}`); });
  page.on('requestfailed', (r) => console.error(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`${base}/`);
  await page.click('#sign-in');
  await page.waitForSelector('#login');
  await page.selectOption('#login', 'alice');
  await page.click('#authorize');
  await page.waitForURL(`${base}/`);
  const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.round((xs.length - 1) * q))];
  console.log(`time until interactive (hydrated), ms over ${runs} loads after a warm-up: p50 / p95`);
  for (const p of paths) {
    const times = [];
    for (let k = 0; k <= runs; k += 1) {
      await page.goto(`${base}${p}`, { waitUntil: 'commit' });
      await page.waitForSelector('body[data-hydrated=true]', { timeout: 60_000 });
      const t = Number(await page.getAttribute('body', 'data-hydrated-at'));
      if (k > 0) times.push(t);
    }
    times.sort((a, b) => a - b);
    console.log(`${p.padEnd(90)} ${pct(times, 0.5).toFixed(0).padStart(6)} / ${pct(times, 0.95).toFixed(0).padStart(6)}`);
  }
} finally {
  await browser.close();
}
