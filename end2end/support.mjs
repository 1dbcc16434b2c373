// What every end2end suite shares: start `pulseboard demo` (the GitHub simulator runs
// in-process) on a free port with a private data directory, Debian's Chromium, signing in
// through the simulator's consent page, and a watch for Content-Security-Policy violations.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '..');
// Cargo's target directory: CARGO_TARGET_DIR when set, as cargo and cargo-leptos use it.
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(root, process.env.CARGO_TARGET_DIR)
  : path.join(root, 'target');
export const binary = path.join(targetDir, 'debug', 'pulseboard');
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/// A running demo: `base` (Pulseboard), `simBase` (the simulator), the browser, its output.
export class Demo {
  constructor() {
    this.output = '';
    // Every CSP violation Chromium reports on a watched page: there must be none.
    this.cspViolations = [];
    // Console errors and uncaught exceptions of watched pages: there must be none either.
    this.consoleErrors = [];
  }

  static async start(extraArgs = []) {
    const demo = new Demo();
    assert.ok(fs.existsSync(binary), `${binary} is missing: run \`cargo leptos build\` first`);
    const port = await freePort();
    demo.base = `http://127.0.0.1:${port}`;
    demo.dataDir = fs.mkdtempSync('/tmp/pb-e2e-');
    // mkdtemp makes it private (0700); as root, PostgreSQL's own user must be able to enter it.
    fs.chmodSync(demo.dataDir, 0o755);
    demo.app = spawn(binary, ['demo', '--addr', `127.0.0.1:${port}`, '--data-dir', demo.dataDir, ...extraArgs], {
      env: { ...process.env, LEPTOS_SITE_ROOT: path.join(targetDir, 'site'), RUST_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.app.stdout.on('data', (d) => { demo.output += d; });
    demo.app.stderr.on('data', (d) => { demo.output += d; });
    demo.simBase = await demo.until('the simulator address', async () => demo.output.match(/simulated GitHub runs at (http:\/\/[0-9.:]+)/)?.[1]);
    await demo.until('the health check', async () => (await fetch(`${demo.base}/healthz`)).ok);
    demo.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    return demo;
  }

  async until(what, check, timeoutMs = 120_000, everyMs = 200) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- app output ---\n${this.output}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /// Records the CSP violations Chromium reports on this page.
  watch(page) {
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) this.cspViolations.push(`${page.url()}: ${msg.text()}`);
      // Errors in the page's own code (a page answered with an error status is logged as
      // "Failed to load resource", which some tests ask for on purpose).
      else if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) {
        this.consoleErrors.push(`${page.url()}: ${msg.text()}`);
      }
      // An island the WASM does not know (a server and a WASM built from different sources)
      // stays dead: Leptos only warns.
      else if (/Could not find WASM function for the island/.test(msg.text())) {
        this.consoleErrors.push(`${page.url()}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`${page.url()}: ${e.message}`));
    return page;
  }

  /// Signs in from the home page through the simulator's consent page.
  async signIn(page, login) {
    await page.goto(`${this.base}/`);
    await page.click('#sign-in');
    await page.waitForURL((u) => u.href.startsWith(`${this.simBase}/login/oauth/authorize`));
    await page.selectOption('#login', login);
    await page.click('#authorize');
    await page.waitForURL(`${this.base}/`);
  }

  /// Closes the browser, checks no CSP violation was reported, and stops the demo with
  /// SIGTERM: a clean exit (0) that stops the private PostgreSQL server too.
  async stop() {
    await this.browser?.close();
    try {
      assert.deepEqual(this.cspViolations, [], 'Chromium reported CSP violations');
      assert.deepEqual(this.consoleErrors, [], 'the pages logged errors');
      if (this.app && this.app.exitCode === null) {
        const exited = new Promise((r) => this.app.once('exit', r));
        this.app.kill('SIGTERM');
        const code = await exited;
        assert.equal(code, 0, this.output);
        const cluster = path.join(this.dataDir, 'demo', 'postgres');
        assert.ok(fs.existsSync(path.join(cluster, 'PG_VERSION')), 'the demo database lives in the data directory');
        assert.equal(fs.existsSync(path.join(cluster, 'postmaster.pid')), false, 'PostgreSQL still running');
      }
    } finally {
      if (this.app && this.app.exitCode === null) this.app.kill('SIGKILL');
      if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

/// `pulseboard sim` alone on a free port: `base`, the users' `tokens` by login, `stop()`.
export async function startSimulator(extraArgs = []) {
  assert.ok(fs.existsSync(binary), `${binary} is missing: run \`cargo leptos build\` first`);
  const port = await freePort();
  const sim = spawn(binary, ['sim', '--port', String(port), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  sim.stdout.on('data', (d) => { output += d; });
  sim.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + 60_000;
  while (!/token for carol: \S+/.test(output)) {
    if (sim.exitCode !== null || Date.now() > deadline) throw new Error(`the simulator did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const tokens = Object.fromEntries([...output.matchAll(/token for (\S+): (\S+)/g)].map((m) => [m[1], m[2]]));
  return {
    base: `http://127.0.0.1:${port}`,
    tokens,
    async stop() {
      const exited = new Promise((r) => sim.once('exit', r));
      sim.kill('SIGTERM');
      await exited;
    },
  };
}

/// What `pulseboard ARGS` prints as JSON, run against a running demo's own database.
export function cliJson(demo, args) {
  const socket = path.join(demo.dataDir, 'demo', 'postgres');
  const out = execFileSync(binary, args, {
    env: { ...process.env, DATABASE_URL: `postgres://postgres@localhost/pulseboard?host=${socket}`, RUST_LOG: 'warn' },
  });
  return JSON.parse(out);
}

/// Follows a repository from the home page and waits until the sync queue is empty.
export async function followAndWait(demo, page, fullName) {
  await page.waitForSelector('body[data-hydrated=true]');
  await page.click(`button.add-repo[data-repo="${fullName}"]`);
  await page.waitForSelector('[data-testid=track-result]', { timeout: 60_000 });
  await demo.until('the queue to empty', async () => {
    await page.goto(`${demo.base}/sync`);
    return page.isVisible('[data-testid=queue-empty]');
  }, 180_000, 1000);
}

/// The serious and critical axe-core violations of a page (as alice), once `ready` shows
/// (`contextOptions`: Playwright's, such as `colorScheme: 'dark'`).
/// The context bypasses the CSP that would rightly refuse the injected script.
export async function axeViolations(demo, url, ready, contextOptions = {}) {
  // Signed in once per demo and the session reused: sign-in is rate-limited per client.
  if (!demo.aliceState) {
    const first = await demo.browser.newContext();
    await demo.signIn(await first.newPage(), 'alice');
    demo.aliceState = await first.storageState();
    await first.close();
  }
  const context = await demo.browser.newContext({ bypassCSP: true, storageState: demo.aliceState, ...contextOptions });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector(ready);
    await page.addScriptTag({ path: path.join(root, 'node_modules', 'axe-core', 'axe.min.js') });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  } finally {
    await context.close();
  }
}

/// The elements wider than the viewport at its current width (none on a page that fits a
/// phone: wide tables scroll inside their own box).
export async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll'))
      .slice(0, 8)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} right ${Math.round(e.getBoundingClientRect().right)} > ${width}`);
  });
}
