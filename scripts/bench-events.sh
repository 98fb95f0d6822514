#!/usr/bin/env bash
# Measures commit → subscriber latency of the event bus (p50, p99, max), in process on SQLite
# and PostgreSQL and to a second instance through PostgreSQL, one event at a time and with
# 16 writers at once, each next to its floor measured in the same run
# (server/examples/bench_events.rs says what each line is).
#
#   scripts/bench-events.sh [sqlite|postgres|both] [events]   (default both, 2000)
#
# A benchmark, not a test: it prints figures and fails only when an event is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
on_exit() { :; }

BACKENDS=${1:-both}
EVENTS=${2:-2000}
if [ "$BACKENDS" != sqlite ]; then
  source scripts/postgres.sh
fi
run_bench_example bench_events "$BACKENDS" "$EVENTS"
