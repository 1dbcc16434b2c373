#!/usr/bin/env bash
# Builds the release site (split into lazy-loaded chunks) and prints what a browser downloads,
# raw and gzip -9: the main module and scripts every page loads, then for each page the
# chunks its first load fetches (its split module and every chunk the manifest lists for it;
# each chunk is a request of its own, so each is gzipped on its own) and the page's total.
# Usage: bench/wasm-size.sh   (from the repository root; needs `make setup` done)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release --split >/dev/null 2>&1
site="${CARGO_TARGET_DIR:-target}/site"
node - "$site/pkg" <<'JS'
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const pkg = process.argv[2];
const size = (f) => fs.statSync(f).size;
const gzip = (f) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;
const row = (name, raw, gz) => console.log(`${name.padEnd(40)} ${String(raw).padStart(10)} ${String(gz).padStart(10)}`);
row('file', 'raw', 'gzip-9');
const every = ['pulseboard.wasm', 'pulseboard.js', fs.readdirSync(pkg).find((f) => f.startsWith('__wasm_split.') && f.endsWith('.js'))];
let base = [0, 0];
for (const f of every) {
  const p = path.join(pkg, f);
  row(f, size(p), gzip(p));
  base = [base[0] + size(p), base[1] + gzip(p)];
}
for (const p of [path.join(pkg, 'pulseboard.css'), 'public/vendor/echarts.min.js']) {
  row(path.basename(p), size(p), gzip(p));
}
console.log('\nper page, first load: main module and scripts + the page\'s chunks');
const manifest = JSON.parse(fs.readFileSync(path.join(pkg, '__wasm_split_manifest.json'), 'utf8'));
row('page (chunks)', 'raw', 'gzip-9');
row('any page, before its chunks', base[0], base[1]);
for (const [name, chunks] of Object.entries(manifest).sort()) {
  let raw = 0, gz = 0;
  for (const c of chunks) {
    const p = path.join(pkg, `${c}.wasm`);
    raw += size(p);
    gz += gzip(p);
  }
  const page = name.replace(/^__/, '').replace(/_route_view_\d+$/, '');
  row(`${page} (${chunks.length})`, base[0] + raw, base[1] + gz);
}
JS
