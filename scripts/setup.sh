#!/usr/bin/env bash
# Installs what building and testing Pulseboard needs on a Debian/Ubuntu machine with Rust
# (rustup). Idempotent: each step checks first and says nothing when already done.
# Nothing here downloads from outside the package registries (apt, crates.io, npm).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen version pinned in Cargo.toml / Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)

say() { printf '==> %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
command -v node >/dev/null 2>&1 || apt_missing+=(nodejs npm)
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing ${apt_missing[*]} with apt"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# The toolchain in rust-toolchain.toml, with the wasm32 target.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # Not --locked: that version's lockfile wants a webpki-roots release crates.io lacks.
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10-15 minutes, once)"
  cargo install --quiet --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION"
fi

# npm: ECharts (served from public/), binaryen's wasm-opt for release builds, playwright-core
# and axe-core (the end2end suite's accessibility checks).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --silent --no-audit --no-fund >/dev/null
fi
mkdir -p public/vendor
if ! cmp -s node_modules/echarts/dist/echarts.min.js public/vendor/echarts.min.js; then
  cp node_modules/echarts/dist/echarts.min.js public/vendor/echarts.min.js
fi
