#!/usr/bin/env bash
# Times the README's test command on a fresh clone with an empty build cache, as CI runs
# it. Installed tools (cargo-leptos, wasm-bindgen, Chromium, PostgreSQL) are whatever this
# machine has: on a machine without them add their install times (BENCHMARKS.md).
# Usage: bench/fresh-clone.sh [REVISION]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rev="${1:-HEAD}"
work="$(mktemp -d /tmp/pb-fresh-XXXXXX)"
git clone -q "$repo" "$work/clone"
# Nothing beside the clone: what a person who clones the repository gets.
git -C "$work/clone" checkout -q "$rev"
# Cargo's target directory elsewhere than the clone, as many people keep it: make, the
# end2end suite and the server must all find their builds there.
export CARGO_TARGET_DIR="$work/cargo-target"
start=$(date +%s)
# Each line of the log starts with the seconds since the start, to see where time goes.
( cd "$work/clone" && CI=true bash .ci/run ) 2>&1 \
  | while IFS= read -r line; do printf '%5d %s\n' $(($(date +%s) - start)) "$line"; done \
  > "$work/log" && status=0 || status=$?
end=$(date +%s)
echo "exit status: $status"
echo "wall time: $((end - start)) s"
tail -n 5 "$work/log"
echo "log: $work/log"
