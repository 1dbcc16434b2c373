#!/usr/bin/env bash
# Builds the release site and prints the size of what a browser downloads, raw and gzip -9.
# Usage: bench/wasm-size.sh   (from the repository root; needs `make setup` done)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release >/dev/null 2>&1
printf '%-34s %12s %12s\n' file raw gzip-9
site="${CARGO_TARGET_DIR:-target}/site"
for f in "$site/pkg/pulseboard.wasm" "$site/pkg/pulseboard.js" "$site/pkg/pulseboard.css" public/vendor/echarts.min.js; do
  printf '%-34s %12d %12d\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
