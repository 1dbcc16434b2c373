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
