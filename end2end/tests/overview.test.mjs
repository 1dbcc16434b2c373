// The overview in a real browser, on the demo's data: sign in, follow acme/api, open the
// overview of it for a period named in the URL; every tile's number equals what
// `pulseboard metrics --json` prints for the same scope and period (run against the
// demo's own database), a reload of the URL in a fresh context shows the same numbers,
// a change of the controls changes the URL and the numbers, and axe-core finds no
// serious or critical accessibility violation. Screenshots at desktop and phone width.
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

/// What the engine's CLI prints for a scope and period, from the demo's database.
const cliReport = (scope, from, to) => cliJson(demo, ['metrics', scope, '--as', 'alice', '--from', from, '--to', to, '--json']);

/// Every tile's metric and value (`data-value`, empty when unavailable) on the page.
async function tiles(page) {
  return page.$$eval('.tiles .tile[data-metric]', (els) => els.map((e) => ({ metric: e.dataset.metric, statistic: e.dataset.statistic, value: e.dataset.value })));
}

test('the overview shows the engine\'s numbers for the scope and period in its URL', async () => {
  const page = demo.watch(await demo.browser.newPage());
  await demo.signIn(page, 'alice');
  // Before following anything, the overview says what to do next.
  await page.goto(`${demo.base}/overview`);
  await page.waitForSelector('[data-testid=overview-empty] a[href="/"]');
  // An organisation's overview before anything of it is read says a first sync may be
  // running and follows the organisation's syncs; the person's own scope does not.
  assert.equal(await page.$('[data-testid=overview-empty] leptos-island[data-component^=LiveUpdates]'), null);
  await page.goto(`${demo.base}/overview?scope=org%3Aacme`);
  await page.waitForSelector('[data-testid=overview-empty] a[href="/sync"]');
  assert.ok(await page.$('[data-testid=overview-empty] leptos-island[data-component^=LiveUpdates]'), 'the empty organisation page follows its syncs');
  await page.goto(`${demo.base}/`);
  await followAndWait(demo, page, 'acme/api');
  await page.goto(`${demo.base}/`);
  await page.waitForSelector('#overview-of-all');

  const to = day(Date.now() + 86_400_000);
  const from = day(Date.now() - 90 * 86_400_000);
  const url = `${demo.base}/overview?scope=acme%2Fapi&from=${from}&to=${to}&report=2023`;
  await page.goto(url);
  await page.waitForSelector('[data-testid=overview-summary]');
  const shown = await tiles(page);
  assert.ok(shown.length >= 15, JSON.stringify(shown));
  const report = cliReport('acme/api', from, to);
  let compared = 0;
  for (const t of shown) {
    const f = report.figures.find((x) => x.metric === t.metric && x.statistic === t.statistic && !x.group);
    assert.ok(f, `${t.metric} ${t.statistic} is not in the CLI's report`);
    assert.equal(t.value, f.value === null ? '' : String(f.value), `${t.metric} ${t.statistic}`);
    if (t.value !== '') compared += 1;
  }
  assert.ok(compared >= 10, `only ${compared} tiles have a value`);
  // Unavailable tiles say why; none shows a bare 0 for no data.
  for (const reason of await page.$$eval('.tile.unavailable .tile-note', (els) => els.map((e) => e.textContent))) {
    assert.ok(reason.length > 10, reason);
  }
  // Throughput and cycle time per week: each week's merged and median cycle time equal
  // the CLI's weekly series; the pull requests waiting for review are open ones.
  await page.waitForSelector('#trend-chart canvas');
  const trend = await page.$$eval('[data-testid=trend-table] tbody tr', (trs) => trs.map((tr) => [tr.dataset.week, ...[...tr.querySelectorAll('td[data-value], td.num')].map((td) => td.dataset.value ?? '')]));
  const perWeek = cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--from', from, '--to', to, '--grain', 'week', '--json']);
  assert.equal(trend.length, perWeek.parts.length);
  for (const [k, [week, merged, cycle]] of trend.entries()) {
    const part = perWeek.parts[k];
    const of = (metric, statistic) => part.figures.find((x) => x.metric === metric && x.statistic === statistic && !x.group)?.value;
    assert.equal(week, part.from.slice(0, 10));
    assert.equal(merged, String(of('pull_requests_merged', 'count') ?? ''), `merged, week of ${week}`);
    assert.equal(cycle, String(of('pull_request_cycle_time', 'median') ?? ''), `cycle time, week of ${week}`);
  }
  await page.waitForSelector('[data-testid=open-pulls], [data-testid=open-pulls-empty]');
  const waiting = Number(await page.getAttribute('[data-testid=open-pulls]', 'data-total').catch(() => 0) ?? 0);
  const open = report.figures.find((x) => x.metric === 'pull_requests_open' && x.statistic === 'count' && !x.group).value;
  assert.ok(waiting <= open, `${waiting} waiting of ${open} open`);
  for (const stage of await page.$$eval('[data-testid=open-pulls] tbody td:nth-child(4)', (tds) => tds.map((td) => td.textContent))) {
    assert.equal(stage, 'Waiting for review');
  }
  // A tile's definition, sample and source: hidden, then shown on hover and on focus.
  const merged1 = '.tile[data-metric=pull_requests_merged]';
  const explained = async () => (await page.$eval(`${merged1} .tile-explain`, (e) => e.getBoundingClientRect().width));
  await page.mouse.move(0, 0);
  assert.ok(await explained() <= 1, 'the explanation is hidden until asked');
  await page.hover(merged1);
  assert.ok(await explained() > 100, 'hovering a tile shows its explanation');
  const sample = report.figures.find((x) => x.metric === 'pull_requests_merged' && x.statistic === 'count' && !x.group).sample;
  assert.match(await page.textContent(`${merged1} .tile-explain`), new RegExp(`over ${sample.toLocaleString('en-US')} items`));
  await page.mouse.move(0, 0);
  await page.focus(`${merged1} a.tile-link`);
  assert.ok(await explained() > 100, 'focusing a tile\'s link shows its explanation');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'overview-tile-explained.png') });
  // A tile without a link (the health score) takes the focus itself.
  const unlinked = await page.$$eval('.tile:has(.tile-explain):not(:has(a.tile-link))', (els) => els.map((e) => [e.dataset.metric, e.getAttribute('tabindex')]));
  assert.ok(unlinked.length >= 1, 'the health score tile has no link');
  for (const [metric, tabindex] of unlinked) assert.equal(tabindex, '0', `${metric} takes the focus`);
  await page.evaluate(() => document.activeElement.blur());
  // What counts as a deployment: how many repositories count each source, in all the
  // scope's; the full list is on the DORA page.
  const counted = await page.$$eval('[data-testid=deployment-source-counts] li', (lis) => lis.map((li) => Number(li.dataset.repositories)));
  assert.equal(counted.reduce((a, b) => a + b, 0), report.repositories.length);
  const listed = await page.getAttribute('[data-testid=deployment-source-counts] + p a', 'href');
  assert.match(listed, /^\/dora\?scope=acme%2Fapi&from=.*#deployment-sources$/);
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'overview.png'), fullPage: true });

  // The same URL in a fresh context (signed in anew) shows the same numbers.
  const fresh = await demo.browser.newContext();
  const again = demo.watch(await fresh.newPage());
  await demo.signIn(again, 'alice');
  await again.goto(url);
  await again.waitForSelector('[data-testid=overview-summary]');
  assert.deepEqual(await tiles(again), shown);

  // A change of the controls: a shorter period; the URL says it and the numbers follow.
  await again.waitForSelector('body[data-hydrated=true]');
  const shorter = day(Date.now() - 14 * 86_400_000);
  await again.fill('#from', shorter);
  await again.click('#apply');
  await again.waitForURL((u) => u.searchParams.get('from') === shorter);
  await again.waitForFunction((s) => document.querySelector('[data-testid=overview-summary]')?.textContent.includes(s), shorter);
  const narrow = cliReport('acme/api', shorter, to);
  const merged = narrow.figures.find((x) => x.metric === 'pull_requests_merged' && x.statistic === 'count');
  const tile = await again.getAttribute('.tile[data-metric=pull_requests_merged]', 'data-value');
  assert.equal(tile, String(merged.value));

  // Phone width.
  await again.setViewportSize({ width: 390, height: 844 });
  await again.waitForTimeout(300);
  assert.deepEqual(await overflowing(again), [], 'the overview fits a phone');
  await again.screenshot({ path: path.join(root, 'end2end', 'test-results', 'overview-phone.png'), fullPage: true });
  await fresh.close();

  // A metric's page (where tiles and insights link): per week, equal to the CLI's series.
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click('.tile[data-metric=pull_requests_merged] a.tile-link');
  await page.waitForURL((u) => u.pathname === '/metrics/pull_requests_merged');
  await page.waitForSelector('[data-testid=metric-parts]');
  const weekly = cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--from', from, '--to', to, '--grain', 'week', '--json']);
  const cells = await page.$$eval('[data-testid=metric-parts] tbody tr', (trs) => trs.map((tr) => ({
    part: tr.dataset.part, value: tr.querySelector('td[data-statistic=count]')?.dataset.value,
  })));
  assert.equal(cells.length, weekly.parts.length);
  for (const [k, c] of cells.entries()) {
    const f = weekly.parts[k].figures.find((x) => x.metric === 'pull_requests_merged' && x.statistic === 'count' && !x.group);
    assert.equal(c.part, weekly.parts[k].from.slice(0, 10));
    assert.equal(c.value, f.value === null ? '' : String(f.value), `week of ${c.part}`);
  }
  await page.waitForSelector('#dora-chart-metric canvas');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'metric.png'), fullPage: true });
  // An insight's link opens its metric's page.
  await page.goto(url);
  const insight = await page.$('[data-testid=insights] a');
  if (insight) {
    await insight.click();
    await page.waitForSelector('[data-testid=metric-parts]');
  }

  // The repository's tabs: every tile is a figure of the report (none missing), equal to
  // the CLI's for the same period; each breakdown's rows equal the CLI's groups.
  for (const tab of ['activity', 'pulls', 'issues', 'ci', 'delivery', 'growth', 'contributors']) {
    await page.goto(`${demo.base}/repos/acme/api?tab=${tab}&from=${from}&to=${to}`);
    await page.waitForSelector(`[data-testid=tab-body-${tab}]`);
    const onTab = await tiles(page);
    assert.ok(onTab.length >= 4, `${tab}: ${JSON.stringify(onTab)}`);
    for (const t of onTab) {
      assert.ok(t.statistic, `${tab}: ${t.metric} is not in the report`);
      const f = report.figures.find((x) => x.metric === t.metric && x.statistic === t.statistic && !x.group);
      assert.ok(f, `${tab}: ${t.metric} ${t.statistic}`);
      assert.equal(t.value, f.value === null ? '' : String(f.value), `${tab}: ${t.metric}`);
    }
    const rows = await page.$$eval('table.breakdown tr[data-group]', (trs) => trs.map((tr) => ({
      metric: tr.closest('table').dataset.breakdown, group: tr.dataset.group, value: tr.dataset.value,
    })));
    for (const r of rows) {
      const f = report.figures.find((x) => x.metric === r.metric && x.group === r.group);
      assert.ok(f, `${tab}: ${r.metric}[${r.group}]`);
      assert.equal(r.value, f.value === null ? '' : String(f.value), `${tab}: ${r.metric}[${r.group}]`);
    }
    if (tab === 'ci') assert.ok(rows.length > 0, 'the CI tab lists its workflows');
    const figure = (metric) => report.figures.find((x) => x.metric === metric && x.statistic === 'count' && !x.group).value;
    if (tab === 'contributors') {
      // The leaderboard and the heatmap count the same commits as the `commits` figure,
      // and the leaderboard's merges are the `pull_requests_merged` figure.
      await page.waitForSelector('[data-testid=leaderboard]');
      const people = await page.$$eval('[data-testid=leaderboard] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td.num')].map((td) => Number(td.textContent.replace(/,/g, '')))));
      assert.equal(await page.getAttribute('[data-testid=leaderboard]', 'data-total'), String(people.length), 'the demo has fewer people than the cut');
      assert.equal(people.reduce((a, p) => a + p[0], 0), figure('commits'), 'commits on the leaderboard');
      assert.equal(people.reduce((a, p) => a + p[1], 0), figure('pull_requests_merged'), 'merges on the leaderboard');
      const heat = await page.$$eval('[data-testid=heatmap] td.heat', (tds) => tds.reduce((a, td) => a + Number(td.textContent || 0), 0));
      assert.equal(heat, figure('commits'), 'commits on the heatmap');
    }
    if (tab === 'pulls') {
      // Open now (the period ends tomorrow): the list's total is the `pull_requests_open` figure.
      await page.waitForSelector('[data-testid=open-pulls], [data-testid=open-pulls-empty]');
      const total = await page.getAttribute('[data-testid=open-pulls]', 'data-total').catch(() => '0');
      assert.equal(Number(total ?? 0), figure('pull_requests_open'), 'open pull requests');
      await page.waitForSelector('#stage-chart canvas');
      const weeks = await page.$$eval('[data-testid=stage-table] tbody tr', (trs) => trs.length);
      const series = cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--from', from, '--to', to, '--grain', 'week', '--json']);
      assert.equal(weeks, series.parts.length, 'a row per week');
    }
    if (tab === 'activity') {
      await page.waitForSelector('[data-testid=timeline], [data-testid=timeline-empty]');
      const events = await page.$$eval('[data-testid=timeline] li', (l) => l.map((li) => li.dataset.kind));
      assert.ok(events.length > 0 && events.length <= 50, `${events.length} events`);
      // Uncut, every merge by people is on the timeline (and bots' too).
      if (events.length < 50) assert.ok(events.filter((k) => k === 'pull_request_merged').length >= figure('pull_requests_merged'));
      // Cut, it says so.
      else assert.ok(await page.$('[data-testid=timeline-cut]'), 'a cut timeline says it is cut');
    }
    if (tab === 'delivery') {
      await page.waitForSelector('[data-testid=environments], [data-testid=environments-empty]');
      await page.waitForSelector('[data-testid=releases], [data-testid=releases-empty]');
    }
    await page.screenshot({ path: path.join(root, 'end2end', 'test-results', `repo-${tab}.png`), fullPage: true });
    // And at a phone's width: nothing sticks out (wide tables scroll inside themselves).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    assert.deepEqual(await overflowing(page), [], `the ${tab} tab fits a phone`);
    await page.screenshot({ path: path.join(root, 'end2end', 'test-results', `repo-${tab}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  assert.deepEqual(await axeViolations(demo, `${demo.base}/repos/acme/api?tab=ci&from=${from}&to=${to}`, '[data-testid=tab-body-ci]'), []);

  // Accessibility: no serious or critical violation, in the light and the dark theme.
  assert.deepEqual(await axeViolations(demo, url, '[data-testid=overview-summary]'), []);
  assert.deepEqual(await axeViolations(demo, url, '[data-testid=overview-summary]', { colorScheme: 'dark' }), []);

  // The theme button: light, then dark, kept across a reload (before the first paint).
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click('#theme-toggle');
  await page.click('#theme-toggle');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.reload();
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.waitForSelector('[data-testid=overview-summary]');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'overview-dark.png'), fullPage: true });
  await page.close();
});
