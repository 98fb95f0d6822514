#!/usr/bin/env bash
# Measures booking requests per second through HTTP with 64 renters at once fighting over
# eight listings (1 or 3 units), next to the raw rate of the same database doing bare insert
# transactions opened the same way, and counts overlapping reservations (must be 0).
#
#   scripts/bench-bookings.sh [sqlite|postgres|both] [seconds]   (default both, 15 s)
#
# A benchmark, not a test: it prints figures and fails only when something breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
on_exit() { :; }

BACKENDS=${1:-both}
SECONDS_EACH=${2:-15}
if [ "$BACKENDS" != sqlite ]; then
  source scripts/postgres.sh
fi
run_bench_example bench_bookings "$BACKENDS" "$SECONDS_EACH"
