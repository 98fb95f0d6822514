#!/usr/bin/env bash
# Runs every GearShare check: formatting, clippy on the server and the browser builds, unit,
# property and integration tests on SQLite and PostgreSQL, then Playwright in Chromium driving
# the release wasm on both databases. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

cleanups=()
on_exit() { cleanups+=("$1"); }
run_cleanups() {
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[$i]}" || true; done
}
trap run_cleanups EXIT

started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

source scripts/lib.sh

# A run from a fresh clone gains nothing from incremental caches, which cost gigabytes of
# disk beside the test binaries; a full disk shows up only as a failed link.
export CARGO_INCREMENTAL=0
df -h . | sed 's/^/disk: /'

step "tools"
scripts/setup.sh --test

mkdir -p .gs-tmp

# Clippy lints our crates while they are compiled for real, rather than in a `cargo clippy`
# pass of its own: `cargo clippy` is `cargo check` with this wrapper, and a check compiles
# every dependency a second time, in a mode no build can reuse (two clippy passes took 17
# of the run's 43 minutes). Dependencies are compiled by plain rustc, as cargo's own
# RUSTC_WORKSPACE_WRAPPER arranges, and CLIPPY_ARGS is the form `cargo clippy -- -D warnings`
# passes its arguments in. Every cargo command below builds with it, or it would compile our
# crates again without it.
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) \
  || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER=$clippy_driver
export CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

step "release build of the browser side, linted by clippy, in the background"
# Beside the checks below: its long single-threaded steps (LTO, wasm-bindgen, wasm-opt)
# leave a core idle while they compile, and theirs leave one idle for it. The tests only
# start once it has ended, so no timing of theirs shares the machine with a build.
front_log=.gs-tmp/browser-build.log
setsid cargo leptos build --release --split --frontend-only >"$front_log" 2>&1 &
front=$!
on_exit "kill -- -$front 2>/dev/null"

step "formatting"
cargo fmt --all --check

step "the wasm build holds no server-only crate"
wasm_tree=$(cargo tree --locked -p frontend --target wasm32-unknown-unknown -e normal --prefix none)
leaked=$(grep -oE '^(sqlx|tokio|mio|argon2|axum|tower-sessions|tower-http|hyper|totp-rs|qrcode|image|object_store) v' <<<"$wasm_tree" \
  | sort -u || true)
if [ -n "$leaked" ]; then
  echo "server-only crates in the wasm build: $leaked" >&2
  exit 1
fi

step "PostgreSQL"
source scripts/postgres.sh

results=.gs-tmp/test-results.log
: >"$results"

step "test build, linted by clippy"
# With the optional S3 store, so that its code is linted and compiled too (the tests use the
# local store either way). `cargo test` builds the examples (the benchmarks) as well, so
# this covers what `cargo clippy --all-targets` did.
df -h . | sed 's/^/disk: /'
test_args=(--locked -p app -p server --features server/s3)
# --timings: target/cargo-timings/ keeps each crate's compile time, for the next time this
# step needs to be faster.
cargo test "${test_args[@]}" --no-run --timings

step "waiting for the browser build"
if ! wait "$front"; then
  tail -n 60 "$front_log" >&2
  echo "the release build of the browser side failed (above: the end of $front_log)" >&2
  exit 1
fi
tail -n 3 "$front_log"
copy_api_viewer

step "unit, property and integration tests (SQLite and PostgreSQL)"
cargo test "${test_args[@]}" 2>&1 | tee -a "$results"

step "browser tests"
# The browser tests serve the release wasm from the server binary `cargo test` just built
# (integration tests build the crate's binaries): a release build of the server compiled
# every dependency a second time and took longer than all the tests together. The binary
# finds the wasm's content hashes next to itself.
cp target/release/hash.txt target/debug/hash.txt
export E2E_SERVER=target/debug/gearshare
source scripts/e2e.sh
e2e_run sqlite 2>&1 | tee -a "$results"
e2e_run postgres 2>&1 | tee -a "$results"

step "the public API fuzzed by schemathesis (SQLite and PostgreSQL side by side)"
scripts/api-fuzz.sh 2>&1 | tee -a "$results"

step "the deployment's topology: Caddy in front of two instances on PostgreSQL"
scripts/proxy-journey.sh

step "all checks passed"
# One closing line for every test counted above: cargo's "N passed;" and Playwright's "N passed".
passed=$(grep -oE '[0-9]+ passed' "$results" | awk '{ total += $1 } END { print total + 0 }')
echo "tests: $passed passed, 0 failed"
