// Attacker-controlled text in a real browser: a demo whose simulated GitHub has markup in
// every user-written field (descriptions, titles, labels, release and display names) and a
// link with script in the URL. No script may run, no injected element may exist, and
// Chromium may report no CSP violation; the page may not be framed by another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Demo, root } from '../support.mjs';

let demo;

before(async () => {
  demo = await Demo.start(['--hostile-text']);
});

after(async () => {
  await demo?.stop();
});

// What a successful injection would leave behind: a dialog, or an element of the payloads.
async function assertNothingInjected(page, dialogs, what) {
  const injected = await page.evaluate(() => ({
    images: document.querySelectorAll('img[src="x"]').length,
    svgs: document.querySelectorAll('svg[onload]').length,
    scripts: [...document.scripts].filter((s) => /^\s*alert\(/.test(s.textContent)).length,
    marker: window.__pwned === true,
  }));
  assert.deepEqual(injected, { images: 0, svgs: 0, scripts: 0, marker: false }, what);
  assert.deepEqual(dialogs, [], `${what}: a dialog opened`);
}

test('markup from GitHub and from the URL is shown as text on every page', async () => {
  const context = await demo.browser.newContext();
  const page = demo.watch(await context.newPage());
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });

  await demo.signIn(page, 'alice');
  await page.waitForSelector('body[data-hydrated=true]');
  // The home page lists repositories whose descriptions are payloads.
  await page.waitForSelector('tr[data-repo-row="acme/api"]');
  const description = await page.textContent('tr[data-repo-row="acme/api"] .muted.small');
  assert.match(description, /<img src=x onerror=alert\("pb-xss-img"\)>/, 'the description is text');
  await assertNothingInjected(page, dialogs, 'home');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'hostile-home.png'), fullPage: true });

  await page.click('button.add-repo[data-repo="acme/api"]');
  await page.waitForSelector('[data-testid=track-result]', { timeout: 60_000 });
  await page.click('[data-testid=track-result] a');
  await page.waitForSelector('#throughput-chart canvas');
  await assertNothingInjected(page, dialogs, 'repository page');

  await page.goto(`${demo.base}/sync`);
  await page.waitForSelector('body[data-hydrated=true]');
  await assertNothingInjected(page, dialogs, 'sync page');

  // The metrics pages show titles, labels, workflow and job names from GitHub: once the
  // rest of the repository is read, every tab, the overview and a DORA drill-down.
  await demo.until('the queue to empty', async () => {
    await page.goto(`${demo.base}/sync`);
    return page.isVisible('[data-testid=queue-empty]');
  }, 180_000, 1000);
  const day = (t) => new Date(t).toISOString().slice(0, 10);
  const period = `from=${day(Date.now() - 90 * 86_400_000)}&to=${day(Date.now() + 86_400_000)}`;
  await page.goto(`${demo.base}/overview?scope=acme%2Fapi&${period}`);
  await page.waitForSelector('[data-testid=overview-summary]');
  await page.waitForSelector('body[data-hydrated=true]');
  await assertNothingInjected(page, dialogs, 'overview');
  for (const tab of ['pulls', 'issues', 'ci', 'delivery', 'growth']) {
    await page.goto(`${demo.base}/repos/acme/api?tab=${tab}&${period}`);
    await page.waitForSelector(`[data-testid=tab-body-${tab}]`);
    await page.waitForSelector('body[data-hydrated=true]');
    await assertNothingInjected(page, dialogs, `repository tab ${tab}`);
  }
  await page.goto(`${demo.base}/dora?scope=acme%2Fapi&${period}`);
  await page.waitForSelector('[data-testid=dora-parts]');
  await page.click('[data-testid=dora-parts] tbody tr:nth-child(3) th a');
  await page.waitForSelector('[data-testid=attribution]');
  await assertNothingInjected(page, dialogs, 'DORA drill-down');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'hostile-dora.png'), fullPage: true });
  // A scope in the URL that is markup is named as text in the error.
  await page.goto(`${demo.base}/overview?scope=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E`);
  await page.waitForSelector('[data-testid=overview-error]');
  assert.match(await page.textContent('[data-testid=overview-error]'), /<img src=x onerror=alert\(1\)>/);
  await page.waitForSelector('body[data-hydrated=true]');
  await assertNothingInjected(page, dialogs, 'overview of a markup scope');

  // The reflected payload of the probe, opened as a link by a signed-in person.
  await page.goto(`${demo.base}/repos/%3C%2Ftitle%3E%3Cscript%3Ealert(document.domain)%3C%2Fscript%3E/x`);
  await page.waitForSelector('body[data-hydrated=true]');
  assert.match(await page.title(), /<\/title><script>alert\(document.domain\)<\/script>\/x/, 'the title is text');
  await assertNothingInjected(page, dialogs, 'reflected URL');
  await page.screenshot({ path: path.join(root, 'end2end', 'test-results', 'hostile-url.png'), fullPage: true });

  await page.goto(`${demo.base}/auth/error?reason=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E`);
  await page.waitForSelector('[data-testid=auth-error]');
  await assertNothingInjected(page, dialogs, 'sign-in error page');
  await context.close();
});

test('another origin cannot frame a signed-in page', async () => {
  const context = await demo.browser.newContext();
  const page = demo.watch(await context.newPage());
  await demo.signIn(page, 'alice');
  // The framing page is not watched: Chromium reports the refusal as a CSP violation
  // of the framed page, which is the point.
  const attacker = await context.newPage();
  await attacker.goto(`${demo.simBase}/rate_limit`);
  await attacker.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.id = 'victim';
    document.body.appendChild(f);
  }, `${demo.base}/`);
  await attacker.waitForTimeout(1500);
  const framed = attacker.frames().find((f) => f.url().startsWith(demo.base));
  const signedInText = framed ? await framed.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
  assert.doesNotMatch(signedInText, /alice/, 'the signed-in page rendered inside a frame');
  await context.close();
});
