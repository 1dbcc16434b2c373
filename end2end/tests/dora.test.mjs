// The DORA page on the demo's data: the four keys per week with their bands drawn,
// numbers equal to `pulseboard metrics --grain week --json`; a click on a point of the
// deployment frequency chart opens what lies behind that week, and the deployments
// listed are as many as the week's deployments. Screenshots at desktop and phone width;
// no serious or critical accessibility violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Demo, root, cliJson, axeViolations, followAndWait, overflowing } from '../support.mjs';

let demo;

before(async () => {
  demo = await Demo.start();
});

after(async () => {
  await demo?.stop();
});

const day = (t) => new Date(t).toISOString().slice(0, 10);

test('the DORA page draws the keys per week and opens what lies behind a point', async () => {
  const page = demo.watch(await demo.browser.newPage());
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await demo.signIn(page, 'alice');
  await followAndWait(demo, page, 'acme/api');

  // Whole ISO weeks: from a Monday eight weeks back to this week's Monday.
  const now = new Date();
  const monday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - ((now.getUTCDay() + 6) % 7) * 86_400_000;
  const from = day(monday - 8 * 7 * 86_400_000);
  const to = day(monday);
  const url = `${demo.base}/dora?scope=acme%2Fapi&from=${from}&to=${to}&report=2023&grain=week`;
  await page.goto(url);
  await page.waitForSelector('[data-testid=dora-parts]');
  await page.waitForSelector('body[data-hydrated=true]');
  await page.waitForSelector('#dora-chart-deployment_frequency canvas');

  // The table equals the CLI's series, week by week.
  const series = cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--from', from, '--to', to, '--grain', 'week', '--json']);
  const rows = await page.$$eval('[data-testid=dora-parts] tbody tr', (trs) => trs.map((tr) => ({
    part: tr.dataset.part,
    cells: [...tr.querySelectorAll('td[data-metric]')].map((td) => ({ metric: td.dataset.metric, value: td.dataset.value })),
  })));
  assert.equal(rows.length, 8);
  assert.equal(series.parts.length, 8);
  for (const [k, row] of rows.entries()) {
    const part = series.parts[k];
    assert.equal(row.part, part.from.slice(0, 10));
    for (const cell of row.cells) {
      const f = part.figures.find((x) => x.metric === cell.metric && !x.group
        && (x.statistic === ({ deployments: 'count', deployment_frequency: 'rate', change_failure_rate: 'ratio' }[cell.metric] ?? 'median')));
      assert.ok(f, `${cell.metric} in ${row.part}`);
      assert.equal(cell.value, f.value === null ? '' : String(f.value), `${cell.metric} in ${row.part}`);
    }
  }

  // Click the point of the busiest week on the deployment frequency chart.
  const counts = rows.map((r) => Number(r.cells.find((c) => c.metric === 'deployments').value || 0));
  const busiest = counts.indexOf(Math.max(...counts));
  assert.ok(counts[busiest] > 0, `no deployment in eight weeks: ${counts}`);
  const point = await page.evaluate((i) => {
    const el = document.getElementById('dora-chart-deployment_frequency');
    const chart = window.echarts.getInstanceByDom(el);
    const option = chart.getOption();
    const s = option.series.length - 1;
    const [x, y] = chart.convertToPixel({ seriesIndex: s }, [i, option.series[s].data[i]]);
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y, bands: option.series.filter((x) => x.markArea).length };
  }, busiest);
  assert.ok(point.bands >= 3, 'the performance levels are drawn as bands');
  await page.mouse.click(point.x, point.y);
  // The point's drill-down is an address of its own, opened where its list is.
  await page.waitForURL((u) => u.searchParams.get('at') === rows[busiest].part && u.hash === '#attribution');
  await page.waitForSelector('[data-testid=attribution]');
  const listed = await page.$$eval('[data-testid=attributed-deployments] tbody tr', (trs) => trs.length);
  assert.equal(listed, counts[busiest], 'the deployments behind the point are as many as its week had');
  assert.equal(Number(await page.getAttribute('[data-testid=attribution]', 'data-deployments')), counts[busiest]);
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'dora.png'), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  assert.deepEqual(await overflowing(page), [], 'the DORA page fits a phone');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'dora-phone.png'), fullPage: true });
  assert.deepEqual(await axeViolations(demo, page.url(), '[data-testid=attribution]'), []);
  await page.close();
});

test('the sources in use link to the repository\'s settings, where its maintainer changes them', async () => {
  const page = demo.watch(await demo.browser.newPage());
  await demo.signIn(page, 'alice');
  // acme/api is followed and synced by the test above (tests of a file run in order).
  const cliSource = () => cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--json']).deployment_sources;
  const stored = () => cliJson(demo, ['settings', 'acme/api', '--as', 'alice']);
  const before = cliSource();
  await page.goto(`${demo.base}/dora?scope=acme%2Fapi`);
  // Grouped by source: each repository is a link in its source's item.
  const link = '[data-testid=deployment-sources] a[data-repository="acme/api"]';
  await page.waitForSelector(link);
  const shown = await page.$$eval('[data-testid=deployment-sources] li', (items) => items.flatMap((li) =>
    [...li.querySelectorAll('a[data-repository]')].map((a) => [a.dataset.repository, li.dataset.source])));
  assert.deepEqual(shown, before, 'the page names the CLI\'s source');
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click(link);
  await page.waitForURL((u) => u.pathname === '/repos/acme/api/settings');
  await page.waitForSelector('[data-testid=source-in-use]');
  await page.waitForSelector('body[data-hydrated=true]');
  assert.equal(await page.inputValue('#deployment_source'), 'auto');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'settings.png'), fullPage: true });

  // Releases instead: saved, the numbers follow (the CLI reads the same database).
  await page.selectOption('#deployment_source', 'releases');
  await page.click('#save-settings');
  await page.waitForSelector('[data-testid=settings-saved]');
  assert.match(await page.textContent('[data-testid=source-in-use]'), /published releases/);
  assert.equal(stored().deployment_source, 'releases');
  assert.deepEqual(cliSource(), [['acme/api', 'releases']]);

  // A bad pattern is refused, naming the setting; nothing changes.
  await page.fill('#production_environments', '(prod');
  await page.click('#save-settings');
  await page.waitForSelector('[data-testid=settings-error]');
  assert.match(await page.textContent('[data-testid=settings-error]'), /production_environments/);
  assert.equal(stored().production_environments, '^(prod|production)$');
  assert.equal(stored().deployment_source, 'releases');
  assert.match(await page.textContent('[data-testid=source-in-use]'), /published releases/, 'a refused save leaves the source in use');

  // Back to the automatic choice.
  await page.fill('#production_environments', '^(prod|production)$');
  await page.selectOption('#deployment_source', 'auto');
  await page.click('#save-settings');
  await page.waitForSelector('[data-testid=settings-saved]');
  assert.equal(stored().deployment_source, null);
  assert.deepEqual(cliSource(), before);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  assert.deepEqual(await overflowing(page), [], 'the settings page fits a phone');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'settings-phone.png'), fullPage: true });
  assert.deepEqual(await axeViolations(demo, `${demo.base}/repos/acme/api/settings`, '[data-testid=source-in-use]'), []);
  await page.close();
});
