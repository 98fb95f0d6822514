#!/usr/bin/env bash
# Memory under photo upload load (issue 14, item 6): the release server on SQLite, UPLOADS
# uploads of one 12 MB photo sent at the same moment by OWNERS owners. Runs it twice: with
# the default bound on uploads under way (16), and with every upload admitted
# (UPLOADS_AT_ONCE=UPLOADS), so the second shows memory when all of them wait at once. Prints
# one JSON line per run and exits 1 when a run's peak resident memory passes LIMIT_MB.
#   scripts/measure-uploads.sh [uploads, default 30] [owners, default 15] [LIMIT_MB, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
UPLOADS=${1:-30}
OWNERS=${2:-15}
LIMIT_MB=${3:-300}
BIN=target/release/gearshare
source scripts/lib.sh
release_build
dir=.gs-tmp/measure-uploads
rm -rf "$dir" && mkdir -p "$dir"
echo "photo: $(python3 scripts/upload_load.py photo "$dir/photo.jpg" 12000000)"
port=3312
failed=0
for at_once in 16 "$UPLOADS"; do
  run="$dir/at-once-$at_once"
  mkdir -p "$run"
  export DATABASE_URL="sqlite://$run/gearshare.db" MEDIA_DIR="$run/media" EVIDENCE_DIR="$run/evidence" \
    SECRET_KEY_FILE="$run/secret-keys" UPLOAD_DIR="$run/spool" GEARSHARE_ADDR="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT=target/site RUST_LOG=warn TRUST_PROXY=true UPLOADS_AT_ONCE="$at_once" \
    REQUEST_TIMEOUT_SECS=600
  "$BIN" seed --listings 5 --seed 3 >/dev/null
  "$BIN" serve >>"$run/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  result=$(python3 scripts/upload_load.py run "http://127.0.0.1:$port" "$UPLOADS" "$OWNERS" "$dir/photo.jpg" "$server")
  left=$(find "$run/spool" -type f | wc -l)
  kill -TERM "$server" && wait "$server" || true
  echo "UPLOADS_AT_ONCE=$at_once: $result, temporary files left: $left"
  peak=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['rss_peak_mb'])" "$result")
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$peak" "$LIMIT_MB"; then
    echo "UPLOADS_AT_ONCE=$at_once: peak ${peak} MB, within ${LIMIT_MB} MB"
  else
    echo "UPLOADS_AT_ONCE=$at_once: peak ${peak} MB, over ${LIMIT_MB} MB" >&2
    failed=1
  fi
  [ "$left" -eq 0 ] || { echo "temporary files were left behind" >&2; failed=1; }
done
exit $failed
