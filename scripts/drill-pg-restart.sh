#!/usr/bin/env bash
# Fault drill (issue 14, item 14): PostgreSQL goes away under booking load and comes back.
# Runs a throwaway cluster of its own (never the shared server), serves GearShare on it,
# drives booking requests and polls /readyz; stops the cluster abruptly (immediate mode, as a
# crash) for OUTAGE seconds, then starts it again. Checks: /readyz answered 503 during the
# outage and 200 after; no request was answered 500; requests succeed again without
# restarting GearShare; every acknowledged booking is in the database. Prints the figures.
#   scripts/drill-pg-restart.sh [seconds before, default 8] [outage, default 6] [after, default 45]
# The payment sandbox keeps its records in the same database, so its calls fail during the
# outage too and open the payment circuit breaker (30 s): bookings resume once it half-opens,
# which is why the load runs on well past the restart.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
PHASE=${1:-8}
OUTAGE=${2:-6}
AFTER=${3:-45}
BIN=target/release/gearshare
release_build
apt_install postgresql postgresql-client
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_PORT=55439
PG_DIR=/tmp/gearshare-drill-pg
dir=.gs-tmp/drill-pg-restart
port=3311
rm -rf "$dir" "$PG_DIR" && mkdir -p "$dir" "$PG_DIR" && chown postgres:postgres "$PG_DIR"
pg() { (cd / && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w "$@" >/dev/null); }
(cd / && runuser -u postgres -- "$pg_bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
  --no-locale >/dev/null)
pg_start() { pg -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start; }
pg_start
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; pg -m immediate stop 2>/dev/null || true' EXIT
admin="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
psql -qAt "$admin" -c "CREATE DATABASE gearshare" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/gearshare" MEDIA_DIR="$dir/media" \
  EVIDENCE_DIR="$dir/evidence" SECRET_KEY_FILE="$dir/secret-keys" GEARSHARE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site LOG_FORMAT=json RUST_LOG=warn TRUST_PROXY=true \
  OPEN_REQUESTS_PER_RENTER=1000 BOOKING_REQUESTS_PER_HOUR=100000
"$BIN" seed --listings 40 --seed 9 >/dev/null
psql -qAt "$DATABASE_URL" -c "SELECT id FROM listings WHERE status = 'active'" >"$dir/listings"
"$BIN" serve >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
python3 scripts/drill_load.py "http://127.0.0.1:$port" 8 "$dir/listings" "$dir/acked" "$dir/stop" \
  >"$dir/load.json" &
load=$!
sleep "$PHASE"
pg -m immediate stop
echo "PostgreSQL stopped (immediate) after $(wc -l <"$dir/acked") acknowledged bookings"
sleep "$OUTAGE"
pg_start
echo "PostgreSQL started again after ${OUTAGE}s"
after=$(wc -l <"$dir/acked")
restarted=$SECONDS
first=
while [ $((SECONDS - restarted)) -lt "$AFTER" ]; do
  if [ -z "$first" ] && [ "$(wc -l <"$dir/acked")" -gt "$after" ]; then
    first=$((SECONDS - restarted))
    echo "first booking acknowledged ${first}s after PostgreSQL came back"
  fi
  sleep 0.5
done
touch "$dir/stop"
wait "$load"
kill -0 "$server" || { echo "GearShare stopped during the outage" >&2; exit 1; }
echo "load: $(cat "$dir/load.json")"
status=0
python3 - "$dir/load.json" "$after" "$(wc -l <"$dir/acked")" <<'PY' || status=1
import json, sys
load = json.load(open(sys.argv[1]))
after, total = int(sys.argv[2]), int(sys.argv[3])
ready = [s for _, s in load["readyz"]]
problems = []
if "503" not in ready:
    problems.append("/readyz never answered 503")
if not ready or ready[-1] != "200":
    problems.append("/readyz did not end at 200")
if "500" in load["answers"]:
    problems.append(f"{load['answers']['500']} answers were 500: {load['failures_said'].get('500')}")
if "503" not in load["answers"]:
    problems.append("no request was answered 503 during the outage")
if total <= after:
    problems.append("no booking succeeded after PostgreSQL came back")
print(f"bookings acknowledged after the restart: {total - after}")
for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
PY
python3 scripts/drill_check.py "$DATABASE_URL" "$dir/acked" || status=1
"$BIN" replay | tail -n 1 || status=1
exit $status
