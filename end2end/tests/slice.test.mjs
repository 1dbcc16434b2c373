// The whole slice in a real browser: start `pulseboard demo` (which runs the GitHub
// simulator in-process), sign in through the simulator's consent page, add a repository,
// check the chart against numbers computed here from the simulator's own API, sign out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Demo, root } from '../support.mjs';

let demo, browser, base, simBase;

before(async () => {
  demo = await Demo.start();
  ({ browser, base, simBase } = demo);
});

after(async () => {
  await demo?.stop();
});

const until = (...args) => demo.until(...args);
const watch = (page) => demo.watch(page);
const signIn = (page, login) => demo.signIn(page, login);

// ISO week (Monday, UTC) of a timestamp, as YYYY-MM-DD.
function weekStart(iso) {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

// Every pull request of a public repository, read from the simulator like any client would.
async function allPulls(fullName) {
  const pulls = [];
  let url = `${simBase}/repos/${fullName}/pulls?state=all&per_page=100`;
  while (url) {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    pulls.push(...(await res.json()));
    url = res.headers.get('link')?.match(/<([^>]+)>; rel="next"/)?.[1];
  }
  return pulls;
}

function expectedWeeks(pulls) {
  const opened = new Map();
  const merged = new Map();
  for (const p of pulls) {
    const w = weekStart(p.created_at);
    opened.set(w, (opened.get(w) ?? 0) + 1);
    if (p.merged_at) {
      const m = weekStart(p.merged_at);
      merged.set(m, (merged.get(m) ?? 0) + 1);
    }
  }
  const weeks = [...new Set([...opened.keys(), ...merged.keys()])].sort();
  const labels = [];
  for (let t = Date.parse(weeks[0]); t <= Date.parse(weeks.at(-1)); t += 7 * 86400_000) {
    labels.push(new Date(t).toISOString().slice(0, 10));
  }
  return {
    labels,
    opened: labels.map((w) => opened.get(w) ?? 0),
    merged: labels.map((w) => merged.get(w) ?? 0),
  };
}

test('sign in, add a repository, read its chart, sign out', async () => {
  const page = watch(await browser.newPage());
  // The chart honours reduced motion: drawn at once, so the screenshot shows it whole.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await signIn(page, 'alice');
  assert.equal(await page.textContent('[data-testid=signed-in-as]'), 'alice');
  await page.waitForSelector('body[data-hydrated=true]');

  // Hydrated: typing in the filter hides rows in the browser, without a reload.
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.waitForSelector('tr[data-repo-row="acme/web"]');
  await page.fill('#repo-filter', 'api');
  await page.waitForSelector('tr[data-repo-row="acme/web"].hidden', { state: 'attached' });
  assert.equal(await page.isVisible('tr[data-repo-row="acme/api"]'), true);
  assert.equal(await page.evaluate(() => window.__sameDocument), true);

  await page.click('button.add-repo[data-repo="acme/api"]');
  await page.waitForSelector('[data-testid=track-result]', { timeout: 60_000 });
  const pulls = await allPulls('acme/api');
  const expected = expectedWeeks(pulls);
  const resultText = await page.textContent('[data-testid=track-result]');
  assert.match(resultText, new RegExp(`Added acme/api: ${pulls.length} pull requests fetched`));

  await page.click('[data-testid=track-result] a');
  await page.waitForSelector('#throughput-chart canvas');
  const option = await page.evaluate(() => {
    const chart = window.echarts.getInstanceByDom(document.getElementById('throughput-chart'));
    const o = chart.getOption();
    return { labels: o.xAxis[0].data, series: o.series.map((s) => ({ name: s.name, data: s.data })) };
  });
  assert.equal(option.labels.length, expected.labels.length, 'one point per week');
  assert.deepEqual(option.labels, expected.labels);
  assert.deepEqual(option.series.find((s) => s.name === 'Opened').data, expected.opened);
  assert.deepEqual(option.series.find((s) => s.name === 'Merged').data, expected.merged);
  assert.equal(await page.getAttribute('#throughput-chart', 'data-points'), String(expected.labels.length));

  // Another client-side interaction on this page, again without a reload.
  await page.evaluate(() => { window.__sameDocument = true; });
  assert.equal(await page.isVisible('[data-testid=weeks-table]'), false);
  await page.click('#toggle-table');
  await page.waitForSelector('[data-testid=weeks-table]', { state: 'visible' });
  assert.equal(await page.evaluate(() => window.__sameDocument), true);

  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'repo-page.png'), fullPage: true });

  await page.click('#sign-out');
  await page.waitForSelector('#sign-in');
  const cookies = await page.context().cookies();
  await page.goto(`${base}/repos/acme/api`);
  assert.match(await page.textContent('main'), /signed out/i);
  assert.ok(cookies.every((c) => c.name !== 'pulseboard_oauth' || c.value === ''));
  await page.close();
});

test('the sync page shows live progress bars and the history of runs', async () => {
  const context = await browser.newContext();
  const page = watch(await context.newPage());
  await signIn(page, 'alice');
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click('button.add-repo[data-repo="acme/web"]');
  await page.waitForSelector('[data-testid=track-result]', { timeout: 60_000 });

  await page.click('#nav-sync');
  await page.waitForURL(`${base}/sync`);
  await page.waitForSelector('button.sync-now-button[data-repo="acme/web"]');
  // Adding the repository queued the rest of its data; let that finish first, so the
  // click below starts a job of its own.
  // Once a second: a page load is several requests, within the per-person rate limit.
  await until('the queue to empty', async () => {
    await page.reload();
    return page.isVisible('[data-testid=queue-empty]');
  }, 120_000, 1000);
  await page.waitForSelector('body[data-hydrated=true]');
  // Read everything again: the demo's worker takes the job, and every page it reads
  // arrives here over the event stream.
  await page.click('button[data-repo-full="acme/web"]');
  await page.waitForSelector('[data-testid=live-bar][data-repo="acme/web"]', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=live-bar][data-repo="acme/web"][data-resource="stargazers"].done', { timeout: 120_000 });
  const bars = await page.$$eval('[data-testid=live-bar][data-repo="acme/web"]', (els) => els.map((e) => ({
    resource: e.dataset.resource,
    done: e.classList.contains('done'),
    width: e.querySelector('.fill').style.width,
  })));
  assert.ok(bars.length >= 10, `one bar per resource: ${JSON.stringify(bars)}`);
  assert.ok(bars.filter((b) => b.done).every((b) => b.width === '100%'), JSON.stringify(bars));
  // A finished resource refreshes the history: stars for acme/web, with their cost.
  await page.waitForSelector('[data-testid=run][data-repo="acme/web"][data-resource="stargazers"]', { timeout: 30_000 });
  const row = await page.$$eval('[data-testid=run][data-repo="acme/web"][data-resource="stargazers"] td', (tds) => tds.map((t) => t.textContent));
  assert.match(row[3], /succeeded/);
  assert.ok(Number(row[5]) > 0, `stars were read: ${row}`);
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'sync-page.png'), fullPage: true });
  await context.close();
});

test('a forged callback shows an error and creates no session', async () => {
  const context = await browser.newContext();
  const page = watch(await context.newPage());
  await page.goto(`${base}/auth/github/callback?code=forged&state=forged`);
  await page.waitForSelector('[data-testid=auth-error]');
  assert.match(page.url(), /\/auth\/error\?reason=state$/);
  const cookies = await context.cookies();
  assert.equal(cookies.filter((c) => c.name === 'pulseboard_session').length, 0);
  await context.close();
});
