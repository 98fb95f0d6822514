#!/usr/bin/env bash
# Measures commit → subscriber latency of a listing's live stream (p50, p99) at 1,000, 5,000
# and 10,000 subscribers while bookings are made, next to a bare axum broadcast route in the
# same server binary (the floor, measured in the same run), and the server's resident memory
# per open stream. On PostgreSQL the bookings go through a second instance
# (server/examples/bench_live.rs says what each figure is).
#
#   scripts/bench-live.sh [sqlite|postgres|both] [subscribers…]   (default both, 1000 5000 10000)
#
# A benchmark, not a test: it prints figures and fails only when an event is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
on_exit() { :; }

BACKENDS=${1:-both}
shift || true
# The client and the server each hold a socket per subscriber, plus their own files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 11000 ]; then
  echo "bench-live: the open-files limit is $(ulimit -n); 10,000 subscribers need 11,000" >&2
fi
if [ "$BACKENDS" != sqlite ]; then
  source scripts/postgres.sh
fi
run_bench_example bench_live "$BACKENDS" "$@"
