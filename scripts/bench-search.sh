#!/usr/bin/env bash
# Measures /search on the release build over 10,000 seeded listings, next to a route of the
# same binary that serves the same bytes without work, with wrk at 64 connections.
# Prints req/s, p50 and p99 latency and the ratio, for SQLite and PostgreSQL, three ways:
#   - a mix of 12 searches as the server runs in production (repeats within 2 s are served
#     from the page cache, server/src/page_cache.rs);
#   - the same mix with PAGE_CACHE=off: every page rendered (search answers still cached);
#   - unique searches (a different price limit each time): nothing kept helps; answered from
#     the catalogue in memory as in production (only the page's cards are read from the
#     database), and again with SEARCH_CATALOGUE=off, where the database does it all.
#
# Targets: the mix's ratio >= 0.25; unique searches >= 1,000 req/s with p99 <= 100 ms.
# LISTINGS=100000 seeds more (default 10,000).
#
#   scripts/bench-search.sh [sqlite|postgres|both]   (default both; DURATION=20s)
#
# A benchmark, not a test: it prints figures and fails only when something breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh
# scripts/postgres.sh registers a stop for a throwaway server it starts; leave it running here.
on_exit() { :; }

BACKENDS=${1:-both}
DURATION=${DURATION:-20s}
PORT=${BENCH_PORT:-3300}
LISTINGS=${LISTINGS:-10000}
dir=.gs-tmp/bench
mkdir -p "$dir"

command -v wrk >/dev/null || apt_install wrk
release_build

# A mix of what renters ask: words, categories, places, dates, prices, orders, and later pages.
from=$(date -u -d '+20 days' +%F) to=$(date -u -d '+23 days' +%F)
cat >"$dir/mix.lua" <<LUA
local paths = {
  "/search",
  "/search?q=tent",
  "/search?q=sony&sort=price",
  "/search?category=cameras",
  "/search?near=Berlin&radius_km=25",
  "/search?q=drone&near=London&radius_km=50&sort=distance",
  "/search?from=$from&to=$to",
  "/search?min_price=10&max_price=50&instant=1",
  "/search?q=bike&category=bikes&from=$from&to=$to",
  "/search?q=lens&sort=price_desc",
  "/search?category=camping&near=Paris&radius_km=100",
  "/search?q=drill",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
cat >"$dir/unique.lua" <<LUA
local words = { "tent", "camera", "drone", "bike", "lens", "drill", "light", "sony" }
local n = 0
request = function()
  n = n + 1
  local word = words[(n % #words) + 1]
  return wrk.format("GET", "/search?q=" .. word .. "&max_price=" .. (1000 + n))
end
LUA

serve() { # serve DATABASE_URL [extra env...]: starts the server, waits until it answers
  local url=$1; shift
  env DATABASE_URL="$url" MEDIA_DIR="$dir/media" SECRET_KEY_FILE="$dir/secret-keys" GEARSHARE_ADDR="127.0.0.1:$PORT" \
    LEPTOS_SITE_ROOT=target/site LOG_FORMAT=json RUST_LOG=warn DB_MAX_CONNECTIONS=16 "$@" \
    target/release/gearshare serve >"$dir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start; its log:" >&2; tail -20 "$dir/server.log" >&2; exit 1
}

stop() { kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }

# run LABEL ARGS...: wrk's requests/s, p50 and p99 (ms) as "rps p50 p99"; answers other than
# 2xx are reported and make the script fail at the end.
rm -f "$dir/failures"
measure() {
  local out
  out=$(wrk -t2 -c64 -d"$DURATION" --latency "$@")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$(awk '/Non-2xx/ { print $5 }' <<<"$out") answers were not 2xx ($*)" >&2
    echo "$*" >>"$dir/failures" # measure runs in a subshell
  fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}

to_ms() { # wrk prints 812.00us, 3.21ms or 1.02s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}

bench() {
  local backend=$1 url
  if [ "$backend" = postgres ]; then
    source scripts/postgres.sh
    url="${TEST_POSTGRES_URL%/*}/gearshare_bench"
    psql -w -q "$TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS gearshare_bench WITH (FORCE)" -c "CREATE DATABASE gearshare_bench" >/dev/null
  else
    rm -f "$dir"/bench.db*
    url="sqlite://$dir/bench.db"
  fi
  rm -rf "$dir/media"
  local started=$SECONDS
  DATABASE_URL="$url" MEDIA_DIR="$dir/media" SECRET_KEY_FILE="$dir/secret-keys" LOG_FORMAT=json RUST_LOG=warn \
    target/release/gearshare seed --listings "$LISTINGS" --seed 1 >/dev/null
  echo "$backend: seeded $LISTINGS listings in $((SECONDS - started)) s"

  serve "$url"
  first_ms=$(curl -fs "http://127.0.0.1:$PORT/search?q=tent" -o "$dir/page.html" -w '%{time_total}' |
    awk '{ printf "%.0f", $1 * 1000 }')
  wrk -t2 -c64 -d3s -s "$dir/mix.lua" "http://127.0.0.1:$PORT" >/dev/null # warm-up
  read -r s_rps s_p50 s_p99 < <(measure -s "$dir/mix.lua" "http://127.0.0.1:$PORT")
  read -r u_rps u_p50 u_p99 < <(measure -s "$dir/unique.lua" "http://127.0.0.1:$PORT")
  stop

  serve "$url" SEARCH_CATALOGUE=off
  read -r d_rps d_p50 d_p99 < <(measure -s "$dir/unique.lua" "http://127.0.0.1:$PORT")
  stop

  serve "$url" PAGE_CACHE=off
  wrk -t2 -c64 -d3s -s "$dir/mix.lua" "http://127.0.0.1:$PORT" >/dev/null
  read -r r_rps r_p50 r_p99 < <(measure -s "$dir/mix.lua" "http://127.0.0.1:$PORT")
  stop

  serve "$url" BENCH_BASELINE_FILE="$dir/page.html"
  wrk -t2 -c64 -d3s "http://127.0.0.1:$PORT/bench/baseline" >/dev/null
  read -r b_rps b_p50 b_p99 < <(measure "http://127.0.0.1:$PORT/bench/baseline")
  stop

  row() { printf '%-9s %-30s %10s %9s %9s %7s\n' "$@"; }
  ratio() { awk -v s="$1" -v b="$b_rps" 'BEGIN { printf "%.3f", s / b }'; }
  row "$backend" "route" "req/s" "p50 ms" "p99 ms" "ratio"
  row "" "/search, mix of 12" "$s_rps" "$s_p50" "$s_p99" "$(ratio "$s_rps")"
  row "" "/search, mix, PAGE_CACHE=off" "$r_rps" "$r_p50" "$r_p99" "$(ratio "$r_rps")"
  row "" "/search, unique queries" "$u_rps" "$u_p50" "$u_p99" "$(ratio "$u_rps")"
  row "" "unique, SEARCH_CATALOGUE=off" "$d_rps" "$d_p50" "$d_p99" "$(ratio "$d_rps")"
  row "" "/bench/baseline" "$b_rps" "$b_p50" "$b_p99" "1.000"
  echo "$backend: the mix's ratio $(ratio "$s_rps") (target >= 0.25), p99 $s_p99 ms (target <= 25 ms on SQLite)"
  echo "$backend: unique searches $u_rps req/s (target >= 1000, $(awk -v u="$u_rps" -v d="$d_rps" 'BEGIN { printf "%.1f", u / d }')x the database's way), p99 $u_p99 ms (target <= 100)"
  echo "$backend: the first search after the start (it loads the catalogue) took $first_ms ms"
  [ "$backend" = postgres ] && psql -w -q "$TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS gearshare_bench WITH (FORCE)" >/dev/null
  return 0
}

trap 'stop 2>/dev/null || true' EXIT
case "$BACKENDS" in
  sqlite | postgres) bench "$BACKENDS" ;;
  both) bench sqlite; bench postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
[ ! -s "$dir/failures" ] || { echo "$(wc -l <"$dir/failures") measurements had answers other than 2xx" >&2; exit 1; }
