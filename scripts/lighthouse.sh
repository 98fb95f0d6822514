#!/usr/bin/env bash
# Lighthouse (npm, 12.2.3) in Debian's Chromium against the release build on a seeded SQLite
# database, for /, /search?q=camera, a listing and /login, with the mobile and desktop presets.
# Beside each page it measures a static copy of the same page without the wasm (its hydration
# script and preloads cut out, scripts/lighthouse/static_copies.py): the limit a page with a
# wasm bundle can approach. Prints performance, accessibility, best practices, SEO, LCP, TBT
# and CLS per page and preset, and the page's performance over its copy's.
#
#   scripts/lighthouse.sh            (RUNS=1: Lighthouse runs per page and preset, median kept)
#   SERVER=target/debug/gearshare scripts/lighthouse.sh   another server binary (it finds the
#                                    wasm's hashes in a hash.txt beside it)
#
# A benchmark, not a test: it prints figures and fails only when something breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/lib.sh

PORT=${LIGHTHOUSE_PORT:-3400}
STATIC_PORT=$((PORT + 1))
RUNS=${RUNS:-1}
dir=.gs-tmp/lighthouse
rm -rf "$dir" && mkdir -p "$dir"

if [ -z "${SERVER:-}" ]; then
  release_build
  SERVER=target/release/gearshare
fi
[ -x "$SERVER" ] && [ -f "$(dirname "$SERVER")/hash.txt" ] \
  || { echo "$SERVER or the hash.txt beside it is missing" >&2; exit 1; }
[ -x /usr/bin/chromium ] || apt_install chromium
if [ ! -x scripts/lighthouse/node_modules/.bin/lighthouse ] \
   || [ scripts/lighthouse/package-lock.json -nt scripts/lighthouse/node_modules/.package-lock.json ]; then
  (cd scripts/lighthouse && npm ci --no-audit --no-fund --loglevel=error)
fi

export DATABASE_URL="sqlite://$dir/gearshare.db" MEDIA_DIR="$dir/media" EVIDENCE_DIR="$dir/evidence" \
  SECRET_KEY_FILE="$dir/secret-keys" GEARSHARE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
  LOG_FORMAT=json
"$SERVER" seed --listings 600 --seed 42 >/dev/null
"$SERVER" serve >"$dir/server.log" 2>&1 &
server=$!
static=""
trap 'kill $server $static 2>/dev/null || true' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.25; done

listing=$(curl -fs "$base/search?q=camera" | grep -oE 'href="/gear/[0-9a-f-]{36}"' | head -n 1 | cut -d'"' -f2)
[ -n "$listing" ] || { echo "no listing found for camera" >&2; exit 1; }
pages=("/" "/search?q=camera" "$listing" "/login")

python3 scripts/lighthouse/static_copies.py "$base" "$STATIC_PORT" "${pages[@]}" &
static=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$STATIC_PORT/" >/dev/null && break; sleep 0.25; done

export CHROME_PATH=/usr/bin/chromium
lighthouse() {
  local url=$1 preset=$2 out=$3 extra=()
  [ "$preset" = desktop ] && extra=(--preset=desktop)
  scripts/lighthouse/node_modules/.bin/lighthouse "$url" "${extra[@]}" --quiet \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --no-first-run" \
    --output=json --output-path="$out" >/dev/null
}

n=0
for page in "${pages[@]}"; do
  for preset in mobile desktop; do
    for run in $(seq 1 "$RUNS"); do
      lighthouse "$base$page" "$preset" "$dir/$n-$preset-app-$run.json"
      lighthouse "http://127.0.0.1:$STATIC_PORT$page" "$preset" "$dir/$n-$preset-static-$run.json"
    done
  done
  echo "$n $page" >>"$dir/pages.txt"
  n=$((n + 1))
done

python3 - "$dir" <<'PY'
import json, statistics, sys, pathlib
d = pathlib.Path(sys.argv[1])
pages = dict(line.split(" ", 1) for line in (d / "pages.txt").read_text().splitlines())

def read(n, preset, kind):
    runs = [json.loads(p.read_text()) for p in sorted(d.glob(f"{n}-{preset}-{kind}-*.json"))]
    def median(f):
        return statistics.median(f(r) for r in runs)
    score = lambda c: median(lambda r: round((r["categories"][c]["score"] or 0) * 100))
    audit = lambda a: median(lambda r: r["audits"][a]["numericValue"])
    return {"perf": score("performance"), "a11y": score("accessibility"),
            "bp": score("best-practices"), "seo": score("seo"),
            "lcp": audit("largest-contentful-paint"), "tbt": audit("total-blocking-time"),
            "cls": audit("cumulative-layout-shift")}

print(f"{'page':<46} {'preset':<8} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} "
      f"{'LCP ms':>7} {'TBT ms':>7} {'CLS':>6} | {'static perf':>11} {'LCP':>6} {'TBT':>5} {'CLS':>6} | ratio")
for n, page in pages.items():
    for preset in ("mobile", "desktop"):
        a, s = read(n, preset, "app"), read(n, preset, "static")
        ratio = a["perf"] / s["perf"] if s["perf"] else 0
        print(f"{page:<46} {preset:<8} {a['perf']:>4} {a['a11y']:>4} {a['bp']:>4} {a['seo']:>4} "
              f"{a['lcp']:>7.0f} {a['tbt']:>7.0f} {a['cls']:>6.3f} | {s['perf']:>11} {s['lcp']:>6.0f} "
              f"{s['tbt']:>5.0f} {s['cls']:>6.3f} | {ratio:.2f}")
PY
