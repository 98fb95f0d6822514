#!/usr/bin/env bash
# Fault drill (issue 14, item 13): booking requests from RENTERS renters at once; halfway
# through, the server is killed with SIGKILL and started again while the load goes on. Then:
# every request that got a success answer is in the database with its events and
# reservation, `gearshare replay` finds no difference and no unit reserved twice, and
# `gearshare reconcile` finds the ledger in order. Cards authorised for requests the kill cut
# off are released by their guards (payments::unused) once due: the drill waits for that, with
# a request timeout of 10 s, which makes them due after a minute. Prints the figures; exits 1
# on a loss.
#   scripts/drill-kill.sh [sqlite|postgres|both] [seconds, default 20] [renters, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
export PGOPTIONS="-c client_min_messages=warning"
BACKENDS=${1:-both}
SECONDS_EACH=${2:-20}
RENTERS=${3:-16}
BIN=target/release/gearshare
release_build
if [ "$BACKENDS" != sqlite ]; then
  cleanups=()
  on_exit() { cleanups+=("$1"); }
  trap 'for c in "${cleanups[@]}"; do eval "$c" || true; done' EXIT
  source scripts/postgres.sh
fi

drill() {
  local backend=$1 dir=".gs-tmp/drill-kill-$1" port=3310 server status=0
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$backend" = sqlite ]; then
    export DATABASE_URL="sqlite://$dir/gearshare.db"
  else
    local name="gs_drill_kill_$$"
    psql -qAt "$TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    export DATABASE_URL="${TEST_POSTGRES_URL%/*}/$name"
  fi
  export MEDIA_DIR="$dir/media" EVIDENCE_DIR="$dir/evidence" SECRET_KEY_FILE="$dir/secret-keys" \
    GEARSHARE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LOG_FORMAT=json RUST_LOG=warn \
    TRUST_PROXY=true OPEN_REQUESTS_PER_RENTER=1000 BOOKING_REQUESTS_PER_HOUR=100000 \
    REQUEST_TIMEOUT_SECS=10
  "$BIN" seed --listings 40 --seed 9 >/dev/null
  if [ "$backend" = sqlite ]; then
    python3 -c "import sqlite3,uuid,sys; db=sqlite3.connect(sys.argv[1]); [print(uuid.UUID(bytes=r[0])) for r in db.execute(\"SELECT id FROM listings WHERE status = 'active'\")]" \
      "$dir/gearshare.db" >"$dir/listings"
  else
    psql -qAt "$DATABASE_URL" -c "SELECT id FROM listings WHERE status = 'active'" >"$dir/listings"
  fi
  start() {
    "$BIN" serve >>"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.1; done
    echo "the server did not become ready" >&2
    return 1
  }
  start || return 1
  python3 scripts/drill_load.py "http://127.0.0.1:$port" "$RENTERS" "$dir/listings" "$dir/acked" "$dir/stop" \
    >"$dir/load.json" &
  local load=$!
  sleep "$((SECONDS_EACH / 2))"
  local before
  before=$(wc -l <"$dir/acked" 2>/dev/null || echo 0)
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  local killed_at=$SECONDS
  start || return 1
  local down=$((SECONDS - killed_at))
  sleep "$((SECONDS_EACH / 2))"
  touch "$dir/stop"
  wait "$load"
  releasing() { "$BIN" reconcile | tail -n 1 | sed -nE 's/.* ([0-9]+) unused authorisations releasing.*/\1/p'; }
  local left waited=0
  left=$(releasing || true)
  while [ "$(releasing || true)" != 0 ] && [ "$waited" -lt 120 ]; do sleep 2; waited=$((waited + 2)); done
  kill -TERM "$server" && wait "$server" || true
  echo "$backend: ${left:-?} cards authorised for requests no booking recorded; released by their guards ${waited}s after the load"
  echo "$backend: killed with SIGKILL after $before acknowledged bookings; serving again within ${down}s"
  echo "$backend: load $(cat "$dir/load.json")"
  python3 scripts/drill_check.py "$DATABASE_URL" "$dir/acked" | sed "s/^/$backend: /" || status=1
  "$BIN" replay | tail -n 1 | sed "s/^/$backend: /" || status=1
  "$BIN" reconcile | tail -n 1 | sed "s/^/$backend: /" || status=1
  if [ "$backend" = postgres ]; then
    psql -qAt "$TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS gs_drill_kill_$$ WITH (FORCE)" >/dev/null
  fi
  return $status
}

failed=0
for backend in sqlite postgres; do
  if [ "$BACKENDS" = both ] || [ "$BACKENDS" = "$backend" ]; then
    drill "$backend" || { echo "$backend: the drill found a loss" >&2; failed=1; }
  fi
done
exit $failed
