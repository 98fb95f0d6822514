#!/usr/bin/env bash
# Runs GearShare at http://127.0.0.1:3000: installs what is missing, builds the release,
# migrates, seeds demo data into a database that has none, and serves. A second run reuses
# the tools, the build and the data. Settings come from the environment (README).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

scripts/setup.sh
# cargo-leptos re-runs wasm-bindgen and wasm-opt (~20 s) even when nothing changed: build
# only when a source is newer than the last successful build.
stamp=target/release/.gearshare-built
sources=(app frontend server style public migrations Cargo.toml Cargo.lock package.json)
if [ ! -f "$stamp" ] || [ -n "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
  cargo leptos build --release --split
  touch "$stamp"
fi

export DATABASE_URL="${DATABASE_URL:-sqlite://data/gearshare.db}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
target/release/gearshare seed --if-empty --listings "${SEED_LISTINGS:-600}"
exec target/release/gearshare serve
