// From the first sign-in to the overview, and the repositories table, in a real browser
// on the demo's data: a person who follows nothing is welcomed with what to do; picking
// two repositories starts their first sync with live progress on the page, and the
// overview opens by itself as soon as the first one is in. The repositories page then
// lists both with the engine's numbers (`pulseboard metrics --json` for the same period),
// sorts and filters through its URL (a fresh context shows the same rows), fits a
// phone, and axe-core finds no serious or critical violation. Screenshots of each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Demo, root, cliJson, axeViolations, overflowing } from '../support.mjs';

let demo;

before(async () => {
  demo = await Demo.start();
});

after(async () => {
  await demo?.stop();
});

const shot = (page, name) => page.screenshot({ path: path.join(root, 'end2end', 'test-results', `${name}.png`), fullPage: true });
const day = (t) => new Date(t).toISOString().slice(0, 10);

/// The rows of the repositories table: name and each figure cell's `data-value`.
async function rows(page) {
  return page.$$eval('[data-testid=repo-table] tbody tr', (trs) => trs.map((tr) => ({
    name: tr.dataset.repoRow,
    values: Object.fromEntries([...tr.querySelectorAll('td[data-metric]')].map((td) => [td.dataset.metric, td.dataset.value])),
    stars: tr.querySelector('td[title^="GitHub"]')?.dataset.value,
  })));
}

test('sign-in, onboarding, the first sync and the overview; then the repositories table', async () => {
  const page = demo.watch(await demo.browser.newPage());
  await demo.signIn(page, 'alice');
  await page.waitForSelector('[data-testid=onboarding]');
  await page.waitForSelector('body[data-hydrated=true]');
  await shot(page, 'onboarding');

  // Pick two repositories: the button counts them, and following starts their syncs.
  await page.check('input.pick[data-repo="acme/api"]');
  await page.check('input.pick[data-repo="acme/web"]');
  assert.equal((await page.textContent('#follow-selected')).trim(), 'Follow selected (2)');
  await page.click('#follow-selected');
  await page.waitForSelector('[data-testid=first-sync] li[data-repo="acme/api"]');
  await shot(page, 'onboarding-first-sync');
  // The overview opens by itself once the first repository's data is in.
  await page.waitForURL((u) => u.pathname === '/overview', { timeout: 180_000 });
  await page.waitForSelector('[data-testid=overview-summary]');
  await shot(page, 'onboarding-overview');

  // Wait for both first syncs to end, then open the repositories page.
  await demo.until('the queue to empty', async () => {
    await page.goto(`${demo.base}/sync`);
    return page.isVisible('[data-testid=queue-empty]');
  }, 180_000, 1000);
  await page.goto(`${demo.base}/repos`);
  await page.waitForSelector('[data-testid=repo-table]');
  const shown = await rows(page);
  assert.deepEqual(shown.map((r) => r.name).sort(), ['acme/api', 'acme/web']);

  // Each row's numbers are the CLI's for the same repository over the table's period
  // (the twelve weeks, 84 days, up to tomorrow).
  const to = day(Date.now() + 86_400_000);
  const from = day(Date.parse(to) - 84 * 86_400_000);
  const statistic = { health_score: 'mean', pull_requests_merged: 'count', pull_requests_open: 'count', issue_backlog: 'count' };
  for (const r of shown) {
    const report = cliJson(demo, ['metrics', r.name, '--as', 'alice', '--from', from, '--to', to, '--json']);
    assert.deepEqual(Object.keys(r.values).sort(), Object.keys(statistic).sort(), r.name);
    for (const [metric, value] of Object.entries(r.values)) {
      const f = report.figures.find((x) => x.metric === metric && x.statistic === statistic[metric] && !x.group);
      assert.equal(value, f.value === null ? '' : String(f.value), `${r.name} ${metric}`);
    }
    // The weekly line adds up to the period's merges (weeks cut at the period's ends).
    const weekly = cliJson(demo, ['metrics', r.name, '--as', 'alice', '--from', from, '--to', to, '--grain', 'week', '--json']);
    const label = await page.getAttribute(`tr[data-repo-row="${r.name}"] svg.sparkline`, 'aria-label');
    const merged = weekly.parts.map((p) => p.figures.find((x) => x.metric === 'pull_requests_merged' && x.statistic === 'count' && !x.group)?.value);
    for (const [k, p] of weekly.parts.entries()) {
      const said = merged[k] === null || merged[k] === undefined ? 'no data' : String(merged[k]);
      assert.ok(new RegExp(`${p.from.slice(0, 10)}: ${said}(,|$)`).test(label), `${r.name} week ${p.from}: ${label}`);
    }
  }
  await shot(page, 'repositories');

  // Sorting by stars, most first: the URL says it and the rows follow.
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click('th a[data-sort=stars]');
  await page.waitForURL((u) => u.searchParams.get('sort') === 'stars' && u.searchParams.get('dir') === 'desc');
  await page.waitForSelector('th[aria-sort=descending] a[data-sort=stars]');
  const byStars = await rows(page);
  const stars = byStars.map((r) => Number(r.stars));
  assert.deepEqual(stars, [...stars].sort((a, b) => b - a));
  // Clicked again: fewest first (name order happens to be most first, so this one tells).
  await page.click('th a[data-sort=stars]');
  await page.waitForURL((u) => u.searchParams.get('sort') === 'stars' && u.searchParams.get('dir') === 'asc');
  await page.waitForSelector('th[aria-sort=ascending] a[data-sort=stars]');
  const fewest = (await rows(page)).map((r) => Number(r.stars));
  assert.deepEqual(fewest, [...fewest].sort((a, b) => a - b));
  assert.notDeepEqual(fewest, stars);
  await page.click('th a[data-sort=stars]');
  await page.waitForURL((u) => u.searchParams.get('dir') === 'desc');

  // Filtering: the form puts the text in the URL, keeps the sort, and hides the rest.
  await page.fill('#repo-q', 'web');
  await page.click('#apply');
  await page.waitForURL((u) => u.searchParams.get('q') === 'web' && u.searchParams.get('sort') === 'stars');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=repo-table] tbody tr').length === 1);
  const filtered = await rows(page);
  assert.deepEqual(filtered.map((r) => r.name), ['acme/web']);

  // The same URL in a fresh context shows the same rows.
  const fresh = demo.watch(await (await demo.browser.newContext()).newPage());
  await demo.signIn(fresh, 'alice');
  await fresh.goto(page.url());
  await fresh.waitForSelector('[data-testid=repo-table]');
  assert.deepEqual(await rows(fresh), filtered);

  // A phone: nothing overflows (the table scrolls in its own box).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${demo.base}/repos`);
  await page.waitForSelector('[data-testid=repo-table]');
  assert.deepEqual(await overflowing(page), []);
  await shot(page, 'repositories-phone');

  for (const [url, ready] of [[`${demo.base}/repos`, '[data-testid=repo-table]'], [`${demo.base}/`, 'table.repos']]) {
    assert.deepEqual(await axeViolations(demo, url, ready), [], url);
    assert.deepEqual(await axeViolations(demo, url, ready, { colorScheme: 'dark' }), [], `${url} dark`);
  }
});

test('the teams page compares the teams whose repositories are followed, with the engine\'s numbers', async () => {
  // The previous test followed acme/api (team Platform) and acme/web (team Web); nobody
  // follows acme/infra, the Mobile team's only repository.
  const page = demo.watch(await demo.browser.newPage());
  await demo.signIn(page, 'alice');
  const to = day(Date.now() + 86_400_000);
  const from = day(Date.now() - 90 * 86_400_000);
  await page.goto(`${demo.base}/teams?from=${from}&to=${to}&report=2023`);
  await page.waitForSelector('[data-testid=teams-table]');
  const teams = await page.$$eval('[data-testid=teams-table] tbody tr', (trs) => trs.map((tr) => ({
    scope: tr.dataset.team,
    values: Object.fromEntries([...tr.querySelectorAll('td[data-metric]')].map((td) => [td.dataset.metric, td.dataset.value])),
    note: tr.querySelector('td[colspan]')?.textContent ?? null,
  })));
  assert.deepEqual(teams.map((t) => t.scope), ['team:acme/mobile', 'team:acme/platform', 'team:acme/web']);
  assert.match(teams[0].note, /has been read: nobody follows them/);
  const statistic = { deployment_frequency: 'rate', lead_time_for_changes: 'median', change_failure_rate: 'ratio', failed_deployment_recovery_time: 'median', pull_requests_merged: 'count', pull_request_cycle_time: 'median', review_coverage: 'ratio' };
  for (const t of teams.slice(1)) {
    const report = cliJson(demo, ['metrics', t.scope, '--as', 'alice', '--from', from, '--to', to, '--json']);
    assert.deepEqual(Object.keys(t.values).sort(), Object.keys(statistic).sort(), t.scope);
    for (const [metric, value] of Object.entries(t.values)) {
      const f = report.figures.find((x) => x.metric === metric && x.statistic === statistic[metric] && !x.group);
      assert.equal(value, f.value === null ? '' : String(f.value), `${t.scope} ${metric}`);
    }
    // A team's numbers rest on the repositories of it someone follows, and only those.
    assert.equal(report.repositories.length, 1, JSON.stringify(report.repositories));
  }
  // The radar is drawn once the page is live.
  await page.waitForSelector('body[data-hydrated=true]');
  await page.waitForSelector('#teams-radar canvas');
  await shot(page, 'teams');
  // A team is a scope the overview offers.
  await page.click('[data-team="team:acme/web"] th a');
  await page.waitForURL((u) => u.pathname === '/overview' && u.searchParams.get('scope') === 'team:acme/web');
  await page.waitForSelector('[data-testid=overview-summary]');
  assert.equal(await page.$eval('#scope', (s) => s.value), 'team:acme/web');

  // The organisation's page: its numbers are the org:acme report's, its repositories
  // those read, its teams GitHub's.
  await page.goto(`${demo.base}/orgs/acme?from=${from}&to=${to}&report=2023`);
  await page.waitForSelector('[data-testid=overview-summary]');
  const org = cliJson(demo, ['metrics', 'org:acme', '--as', 'alice', '--from', from, '--to', to, '--json']);
  let orgTiles = 0;
  for (const tile of await page.$$eval('.tiles .tile[data-metric]', (els) => els.map((e) => ({ metric: e.dataset.metric, statistic: e.dataset.statistic, value: e.dataset.value })))) {
    const f = org.figures.find((x) => x.metric === tile.metric && x.statistic === tile.statistic && !x.group);
    assert.equal(tile.value, f.value === null ? '' : String(f.value), `org ${tile.metric}`);
    orgTiles += 1;
  }
  assert.ok(orgTiles >= 15, `${orgTiles} tiles`);
  assert.deepEqual(await page.$$eval('[data-testid=org-repositories] a', (as) => as.map((a) => a.textContent)), org.repositories);
  await page.waitForSelector('[data-testid=org-teams]');
  assert.deepEqual(await page.$$eval('[data-testid=org-teams] tbody tr', (trs) => trs.map((tr) => tr.dataset.team)), ['team:acme/mobile', 'team:acme/platform', 'team:acme/web']);
  await shot(page, 'organisation');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  assert.deepEqual(await overflowing(page), [], 'the organisation page fits a phone');
  await shot(page, 'organisation-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(await axeViolations(demo, `${demo.base}/orgs/acme`, '[data-testid=org-teams]'), []);

  // A group of one's own: acme/api and acme/web, then acme/api alone (saved again under
  // its name); its overview equals the CLI's report of the group; deleted, it is gone.
  await page.goto(`${demo.base}/teams`);
  await page.waitForSelector('body[data-hydrated=true]');
  await page.waitForSelector('[data-testid=groups-empty]');
  await page.fill('#group-name', 'Billing');
  await page.check('input[data-repo="acme/api"]');
  await page.check('input[data-repo="acme/web"]');
  await page.click('#save-group');
  await page.waitForSelector('[data-testid=group-saved]');
  await page.waitForSelector('[data-testid=groups] tr[data-group=Billing]');
  assert.equal(await page.textContent('[data-testid=groups] tr[data-group=Billing] td.wrap'), 'acme/api, acme/web');
  await page.uncheck('input[data-repo="acme/web"]');
  await page.fill('#group-name', 'billing');
  await page.click('#save-group');
  await page.waitForFunction(() => document.querySelector('[data-testid=groups] tr td.wrap')?.textContent === 'acme/api');
  await shot(page, 'groups');
  await page.click('[data-testid=groups] tr a[href^="/overview"]');
  await page.waitForURL((u) => u.pathname === '/overview' && u.searchParams.get('scope') === 'group:billing');
  await page.waitForSelector('[data-testid=overview-summary]');
  const group = cliJson(demo, ['metrics', 'group:billing', '--as', 'alice', '--json']);
  assert.deepEqual(group.repositories, ['acme/api']);
  for (const tile of await page.$$eval('.tiles .tile[data-metric]', (els) => els.map((e) => ({ metric: e.dataset.metric, statistic: e.dataset.statistic, value: e.dataset.value })))) {
    const f = group.figures.find((x) => x.metric === tile.metric && x.statistic === tile.statistic && !x.group);
    assert.equal(tile.value, f.value === null ? '' : String(f.value), `group ${tile.metric}`);
  }
  // The picker offers the group as it is now (what each process keeps of a person's
  // choices and scopes is dropped at any change of them).
  const offered = (scope) => page.locator(`select[name=scope] option[value="${scope}"]`).count();
  assert.equal(await offered('group:billing'), 1);
  await page.goto(`${demo.base}/teams`);
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click('[data-testid=groups] tr[data-group=billing] button');
  await page.waitForSelector('[data-testid=groups-empty]');
  assert.throws(() => cliJson(demo, ['metrics', 'group:billing', '--as', 'alice', '--json']));
  // Deleted: the same page no longer finds it, and the picker no longer offers it (a
  // page of the scope itself keeps it in its picker, as it names it).
  await page.goto(`${demo.base}/overview?scope=group:billing`);
  await page.waitForSelector('[data-testid=overview-empty]');
  await page.goto(`${demo.base}/overview`);
  await page.waitForSelector('[data-testid=overview-summary]');
  assert.equal(await offered('group:billing'), 0);
  assert.equal(await offered('acme/api'), 1);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${demo.base}/teams`);
  await page.waitForSelector('[data-testid=teams-table]');
  assert.deepEqual(await overflowing(page), []);
  await shot(page, 'teams-phone');
  const url = `${demo.base}/teams`;
  assert.deepEqual(await axeViolations(demo, url, '[data-testid=teams-table]'), [], url);
  assert.deepEqual(await axeViolations(demo, url, '[data-testid=teams-table]', { colorScheme: 'dark' }), [], `${url} dark`);
});

test('a merge in the simulator reaches an open overview once acme/api is synced, the page loading itself again', async () => {
  const context = await demo.browser.newContext();
  const page = demo.watch(await context.newPage());
  await demo.signIn(page, 'alice');
  const to = day(Date.now() + 86_400_000);
  const from = day(Date.now() - 30 * 86_400_000);
  await page.goto(`${demo.base}/overview?scope=acme%2Fapi&from=${from}&to=${to}`);
  await page.waitForSelector('body[data-hydrated=true]');
  const merged = () => page.$eval('.tile[data-metric=pull_requests_merged]', (e) => e.dataset.value);
  const before = Number(await merged());
  // bob opens a pull request and it is merged, on the simulated GitHub.
  const act = async (body) => {
    const res = await fetch(`${demo.simBase}/_sim/repos/acme/api/activity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  };
  const opened = await act({ kind: 'open_pull', author: 'bob' });
  await act({ kind: 'merge_pull', number: opened.number });
  // A sync asked from another tab; the overview, left open, follows by itself.
  const other = demo.watch(await context.newPage());
  await other.goto(`${demo.base}/sync`);
  await other.waitForSelector('body[data-hydrated=true]');
  await other.click('button.sync-now-button[data-repo="acme/api"]');
  // A tab in the background waits until it is shown to load itself again.
  await page.bringToFront();
  await page.waitForFunction((b) => Number(document.querySelector('.tile[data-metric=pull_requests_merged]')?.dataset.value) === b + 1, before, { timeout: 180_000 });
  // The page says which sync brought the new numbers (once its island is live again).
  await page.waitForFunction(() => /acme\/api/.test(document.querySelector('[data-testid=live-updates]')?.textContent ?? ''));
  // The page's number is the engine's.
  const report = cliJson(demo, ['metrics', 'acme/api', '--as', 'alice', '--from', from, '--to', to, '--json']);
  const f = report.figures.find((x) => x.metric === 'pull_requests_merged' && x.statistic === 'count' && !x.group);
  assert.equal(await merged(), String(f.value));
  await shot(page, 'overview-live-update');
});
