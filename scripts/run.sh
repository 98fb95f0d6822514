#!/usr/bin/env bash
# Runs GearShare at http://127.0.0.1:3000: installs what is missing, builds the release,
# migrates, seeds demo data into a database that has none, and serves. A second run reuses
# the tools, the build and the data. Settings come from the environment (README).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

scripts/setup.sh
source scripts/lib.sh
release_build

export DATABASE_URL="${DATABASE_URL:-sqlite://data/gearshare.db}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
# A fresh database also gets a year of completed rentals, so gear shows genuine reviews.
target/release/gearshare seed --if-empty --listings "${SEED_LISTINGS:-600}" \
  --completed-rentals "${SEED_RENTALS:-200}"
exec target/release/gearshare serve
