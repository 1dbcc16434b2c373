# Pulseboard's two entry points:
#   make run   - install what is missing, build, and serve (demo mode without an OAuth app)
#   make test  - install what is missing and run every check (fmt, clippy x2, tests, end2end)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never
# Cargo's target directory: CARGO_TARGET_DIR when set (the binaries and the site live there).
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

.PHONY: run test setup build build-release fmt-check clippy rust-tests end2end stop-test-db

setup:
	@scripts/setup.sh

build: setup
	cargo leptos build

build-release: setup
	cargo leptos build --release

run: build-release
	@if [ -n "$${GITHUB_CLIENT_ID:-}" ]; then \
	  exec "$(TARGET_DIR)/release/pulseboard" serve; \
	else \
	  echo "No GITHUB_CLIENT_ID set: starting the demo with a simulated GitHub (see README to use your own)."; \
	  exec "$(TARGET_DIR)/release/pulseboard" demo; \
	fi

# The end2end runner prints the closing summary: keep it last.
test: setup fmt-check clippy rust-tests end2end

fmt-check:
	cargo fmt --all -- --check

# The two sides are linted separately: together, app's ssr and hydrate features would unify.
clippy:
	cargo clippy -p server -p engine -p ghsim -p app -p wire -p pulseboard-bench --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# The crates `make test` tests; their test build also makes the `pulseboard` binary.
TESTED := -p server -p engine -p ghsim -p app -p wire

rust-tests:
	@status=0; cargo test $(TESTED) || status=$$?; \
	  scripts/stop-test-db.sh; exit $$status

# The end-to-end suite runs the `pulseboard` binary the Rust tests' build made (cargo builds
# a package's binaries for its integration tests; `--no-run` only makes sure it is there)
# and the site `cargo leptos` builds: a full `cargo leptos build` would compile the server
# and its dependencies a second time, with the features of a plain build.
end2end: setup
	cargo test $(TESTED) --no-run
	cargo leptos build --frontend-only
	node --test --test-concurrency=1 end2end/tests/

stop-test-db:
	@scripts/stop-test-db.sh
