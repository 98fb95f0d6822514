#!/usr/bin/env bash
# Fuzzes the public API (/api/v1) with schemathesis, from its own OpenAPI document, on SQLite
# and on PostgreSQL: for each, a fresh database seeded with demo listings, `gearshare serve`,
# two members made through the site's server functions as a browser would (one holds the
# token schemathesis sends; the other has requested bookings of the first one's listing, so
# the owner's operations have something real to act on), then every check schemathesis has
# against every operation. Fails on any server error (an answer 5xx or an error in its log),
# any answer the document does not describe, and any other check that fails, printing
# schemathesis's own failure summary with its curl reproductions.
#
#   scripts/api-fuzz.sh [sqlite|postgres|both]      (default both, side by side)
#
# E2E_SERVER: the server binary (default target/debug/gearshare, which `cargo test` builds;
# pages are not fetched, so neither target/site nor hash.txt is needed);
# TEST_POSTGRES_URL: an admin URL of a PostgreSQL server (else scripts/postgres.sh finds or
# starts one), where a database of its own is created and dropped;
# API_FUZZ_EXAMPLES: test cases per operation and phase (default 300: about a minute per
# database); API_FUZZ_SEED: the seed (default 21: the same seed, binary and data give the
# same test cases); API_FUZZ_STRICT=1: hold search and booking requests to
# positive_data_acceptance's default too (see below: rules no schema can state fail it);
# API_FUZZ_ARGS: more options for `schemathesis run`, split at spaces (say
# `--include-path-regex bookings -n 1000` to dwell on some operations).
# schemathesis (PyPI, pinned below) lives in .gs-tmp/schemathesis-venv, made on first use.
# Reports (JUnit, JSON), schemathesis's output and the server's log: .gs-tmp/api-fuzz/<backend>/.
# Ends with one line per database: `schemathesis (<backend>): N operations, …`.
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh disable=SC1091
source scripts/lib.sh

SCHEMATHESIS_VERSION=4.32.5
venv=.gs-tmp/schemathesis-venv
reports=.gs-tmp/api-fuzz
examples=${API_FUZZ_EXAMPLES:-300}
seed=${API_FUZZ_SEED:-21}

cleanups=()
on_exit() { cleanups+=("$1"); }
finish() {
  local status=$? i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[$i]}" || true; done
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "api fuzz failed: $*" >&2
  exit 1
}

# Stops one process this script started: SIGTERM, then SIGKILL after five seconds.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null || true
}

# The server being fuzzed, if one runs; stopped once, so its id is never signalled after it
# may belong to another process.
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  stop_pid "$server_pid"
  server_pid=""
}

# A port nothing listens on, below Linux's usual range of outgoing ports (32768-60999).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    echo "$port"
    return
  done
}

# Polls until `$@` succeeds, for up to $1 seconds; fails when `pid` ($2, if not empty) ends.
wait_for() {
  local seconds=$1 pid=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

absolute() {
  case $1 in
    /*) echo "$1" ;;
    *) if [ -e "$caller_dir/$1" ]; then echo "$caller_dir/$1"; else echo "$PWD/$1"; fi ;;
  esac
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

backends=()
case ${1:-both} in
  sqlite | postgres) backends=("$1") ;;
  both) backends=(sqlite postgres) ;;
  *) die "usage: scripts/api-fuzz.sh [sqlite|postgres|both]" ;;
esac
[[ $examples =~ ^[1-9][0-9]*$ ]] || die "API_FUZZ_EXAMPLES must be a whole number, not '$examples'"
[[ $seed =~ ^[0-9]+$ ]] || die "API_FUZZ_SEED must be a whole number, not '$seed'"
read -r -a extra_args <<<"${API_FUZZ_ARGS:-}"

command -v curl >/dev/null || apt_install curl
command -v jq >/dev/null || apt_install jq
server=$(absolute "${E2E_SERVER:-target/debug/gearshare}")
[ -x "$server" ] || die "no server binary at $server; build it (cargo test --no-run builds target/debug/gearshare) or set E2E_SERVER"
site=$(absolute "${LEPTOS_SITE_ROOT:-target/site}")

# --- schemathesis, pinned, in a virtualenv of its own (kept between runs).
mkdir -p .gs-tmp "$reports"
st="$PWD/$venv/bin/schemathesis"
if [ "$("$st" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
  echo "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || die "cannot install schemathesis $SCHEMATHESIS_VERSION from PyPI"
  [ "$("$st" --version)" = "schemathesis, version $SCHEMATHESIS_VERSION" ] \
    || die "the virtualenv's schemathesis is not $SCHEMATHESIS_VERSION"
fi

if [[ " ${backends[*]} " == *" postgres "* ]]; then
  command -v psql >/dev/null || apt_install postgresql-client
  if [ -z "${TEST_POSTGRES_URL:-}" ]; then
    # shellcheck source=scripts/postgres.sh disable=SC1091
    source scripts/postgres.sh
  fi
fi
psql_admin() {
  PGCONNECT_TIMEOUT=5 PGOPTIONS="-c client_min_messages=warning" \
    psql -w -q -X "$TEST_POSTGRES_URL" -c "$1" >/dev/null
}

# --- One database: serve it, make the members and their data, run schemathesis on it.
fuzz() {
  local backend=$1 work db_url db="" port origin out
  local started=$SECONDS
  out="$reports/$backend"
  rm -rf "$out" && mkdir -p "$out"
  out=$(absolute "$out")
  work=$(mktemp -d "${TMPDIR:-/tmp}/gs-api-fuzz.XXXXXX")
  on_exit "rm -rf '$work'"
  mkdir -p "$work/media" "$work/evidence" "$work/keys" "$work/outbox" "$work/uploads" "$work/st"

  if [ "$backend" = postgres ]; then
    db="gs_fuzz_$(random_hex 6)"
    local admin_base=${TEST_POSTGRES_URL%%\?*}
    local admin_query=${TEST_POSTGRES_URL#"$admin_base"}
    db_url="${admin_base%/*}/$db$admin_query"
    psql_admin "CREATE DATABASE $db" || die "cannot create database $db on $TEST_POSTGRES_URL"
    on_exit "psql_admin 'DROP DATABASE IF EXISTS $db WITH (FORCE)'"
  else
    # The store creates a missing SQLite file itself (create_if_missing).
    db_url="sqlite://$work/gearshare.db"
  fi

  port=$(free_port)
  origin="http://127.0.0.1:$port"
  # Limits that would only stop the fuzzer's requests early are raised: the API's own token
  # limits (their 429 is documented, but every answer past them would be that 429; the
  # checks of authentication send made-up tokens) and the
  # booking limits, so generated requests reach the booking logic. Settings the caller's
  # environment may hold that would change what is tested are cleared.
  local gs_env=(
    -u MEDIA_STORE -u EVIDENCE_STORE -u SECRET_KEYS -u SMTP_URL -u METRICS_TOKEN -u TRUST_PROXY
    DATABASE_URL="$db_url" LEPTOS_SITE_ROOT="$site" MEDIA_DIR="$work/media"
    EVIDENCE_DIR="$work/evidence" SECRET_KEY_FILE="$work/keys/secret-keys"
    MAIL_OUTBOX="$work/outbox" UPLOAD_DIR="$work/uploads" GEARSHARE_ADDR="127.0.0.1:$port"
    PUBLIC_URL="$origin" LOG_FORMAT=json RUST_LOG="info,sqlx=warn,tower_http=info"
    DB_MAX_CONNECTIONS=8 REQUEST_TIMEOUT_SECS=20 API_REQUESTS_PER_MINUTE=100000
    API_REFUSED_TOKENS_PER_MINUTE=100000
    BOOKING_REQUESTS_PER_HOUR=100000 OPEN_REQUESTS_PER_RENTER=1000 DECLINED_CARDS_PER_HOUR=1000
  )
  env "${gs_env[@]}" "$server" migrate >"$work/migrate.log" 2>&1 \
    || { cat "$work/migrate.log" >&2; die "gearshare migrate failed on $backend"; }
  env "${gs_env[@]}" "$server" seed --listings 40 >"$work/seed.log" 2>&1 \
    || { cat "$work/seed.log" >&2; die "gearshare seed failed on $backend"; }

  local log="$work/server.log"
  env "${gs_env[@]}" "$server" serve >"$log" 2>&1 &
  server_pid=$!
  on_exit "stop_server; [ ! -f '$log' ] || cp '$log' '$out/server.log'"
  wait_for 60 "$server_pid" curl -fsS -o /dev/null --max-time 2 "$origin/readyz" || {
    tail -n 20 "$log" >&2
    die "the server on $backend did not become ready at $origin"
  }

  # Members sign up and make tokens through the site's server functions, as its pages do.
  local tag body="$work/body"
  tag=$(random_hex 4)
  form() { # cookie jar, path, then --data-urlencode fields; the status, the body in $body
    local jar=$1 path=$2
    shift 2
    curl -sS --max-time 20 -o "$body" -w '%{http_code}' -b "$jar" -c "$jar" \
      -H "Origin: $origin" -H "Accept: application/json" "$@" "$origin$path"
  }
  api() { # token, method, path[, JSON body[, Idempotency-Key]]; the status, the body in $body
    local args=(-H "Authorization: Bearer $1" -X "$2")
    [ -n "${4:-}" ] && args+=(-H "Content-Type: application/json" --data-binary "$4")
    [ -n "${5:-}" ] && args+=(-H "Idempotency-Key: $5")
    curl -sS --max-time 20 -o "$body" -w '%{http_code}' "${args[@]}" "$origin$3"
  }
  member() { # cookie jar, name, email; signs up and prints a write token's secret
    local code
    code=$(form "$1" /api/signup --data-urlencode "name=$2" --data-urlencode "email=$3" \
      --data-urlencode "password=lantern-kayak-$tag" --data-urlencode "next=/") || true
    [ "$code" = 200 ] || die "sign-up of $3 answered $code: $(head -c 300 "$body")"
    grep -q gearshare_session "$1" || die "sign-up of $3 set no session cookie"
    code=$(form "$1" /api/create_api_token --data-urlencode "token_name=schemathesis" \
      --data-urlencode "token_scope=write" --data-urlencode "token_expiry=30") || true
    [ "$code" = 200 ] || die "making a token for $3 answered $code: $(head -c 300 "$body")"
    jq -er '.secret | select(test("^gs_[0-9a-f]{64}$"))' "$body" \
      || die "making a token for $3 answered $(head -c 300 "$body")"
  }
  local token renter_token
  token=$(member "$work/owner.jar" "Fuzz Owner" "fuzz-owner-$tag@example.com")
  renter_token=$(member "$work/renter.jar" "Fuzz Renter" "fuzz-renter-$tag@example.com")

  # The token's member lists gear; the other member asks to rent it six times: requests for
  # the owner to accept, decline or cancel through the API, two for each.
  local code listing
  code=$(form "$work/owner.jar" /api/create_listing \
    --data-urlencode "form[title]=Fuzzing tent $tag" \
    --data-urlencode "form[description]=Checked and cleaned after every rental." \
    --data-urlencode "form[category]=camping" --data-urlencode "form[condition]=good" \
    --data-urlencode "form[daily_price]=12" --data-urlencode "form[deposit]=50" \
    --data-urlencode "form[quantity]=1" --data-urlencode "form[city]=Munich" \
    --data-urlencode "form[buffer_days]=0" --data-urlencode "form[cancellation_policy]=flexible") \
    || true
  [ "$code" = 200 ] || die "creating a listing answered $code: $(head -c 300 "$body")"
  listing=$(tr -d '"\n' <"$body")
  [[ $listing =~ ^[0-9a-f-]{36}$ ]] || die "creating a listing answered $(head -c 200 "$body")"

  local card='{"number":"4242 4242 4242 4242","expiry":"12/30","cvc":"123"}'
  book() { # token, listing, days from today to pickup, days; prints the booking's id
    local from to request
    from=$(date -u -d "+$3 days" +%F)
    to=$(date -u -d "+$(($3 + $4)) days" +%F)
    request=$(jq -nc --arg l "$2" --arg f "$from" --arg t "$to" --argjson c "$card" \
      '{listing_id: $l, from: $f, to: $t, card: $c, message: "Setting up the API fuzzer."}')
    [ "$(api "$1" POST /api/v1/bookings "$request" "setup-$2-$3" || true)" = 201 ] || return 1
    jq -er .id "$body"
  }
  local bookings=() days id
  for days in 10 20 30 40 50 60; do
    id=$(book "$renter_token" "$listing" "$days" 2) \
      || die "a booking request of the new listing was refused: $(head -c 300 "$body")"
    bookings+=("$id")
  done
  # And the token's member rents a seeded listing (the first of the newest that takes it).
  code=$(api "$token" GET "/api/v1/listings?sort=newest") || true
  [ "$code" = 200 ] || die "searching through the API answered $code: $(head -c 300 "$body")"
  local seeded=() rented="" lead
  mapfile -t seeded < <(jq -r '.items[].id' "$body")
  [ "${#seeded[@]}" -ge 4 ] || die "the seeded database holds ${#seeded[@]} listings"
  for id in "${seeded[@]:0:5}"; do
    code=$(api "$token" GET "/api/v1/listings/$id") || true
    [ "$code" = 200 ] || continue
    days=$(jq -r '[.prices.min_days, 2] | max' "$body")
    lead=$(jq -r '.prices.lead_time_days' "$body")
    if rented=$(book "$token" "$id" "$((lead + 14))" "$days"); then break; fi
  done
  [ -n "$rented" ] || die "the token's member could rent none of 5 seeded listings: $(head -c 300 "$body")"
  bookings+=("$rented")

  # --- schemathesis. The members' ids, future days and a sandbox card feed its path
  # parameters and booking bodies part of the time (dictionaries), so operations on one
  # booking or listing reach real ones rather than a 404 for every random UUID, and booking
  # requests get past validation; the rest stays generated.
  local config="$work/st/schemathesis.toml" days_ahead=()
  for days in 40 43 47 60; do days_ahead+=("$(date -u -d "+$days days" +%F)"); done
  quoted() { printf '"%s", ' "$@" | sed 's/, $//'; }
  cat >"$config" <<EOF
[dictionaries]
listings = { values = [$(quoted "$listing" "${seeded[@]:0:4}")] }
bookings = { values = [$(quoted "${bookings[@]}")] }
to_accept = { values = [$(quoted "${bookings[0]}" "${bookings[1]}" "$rented")] }
to_decline = { values = [$(quoted "${bookings[2]}" "${bookings[3]}" "$rented")] }
to_cancel = { values = [$(quoted "${bookings[4]}" "${bookings[5]}" "$rented")] }
card_numbers = { values = ["4242 4242 4242 4242"] }
card_expiries = { values = ["12/30"] }
card_cvcs = { values = ["123"] }
keys = { values = ["fuzz-1", "fuzz-2", "fuzz-3"] }
days = { values = [$(quoted "${days_ahead[@]}")] }

[[operations]]
include-name = ["GET /api/v1/listings/{id}"]
parameters = { "path.id" = { dictionary = "listings", probability = 0.3 } }

[[operations]]
include-name = ["GET /api/v1/bookings/{id}"]
parameters = { "path.id" = { dictionary = "bookings", probability = 0.3 } }

[[operations]]
include-name = ["POST /api/v1/bookings/{id}/accept"]
parameters = { "path.id" = { dictionary = "to_accept", probability = 0.3 } }

[[operations]]
include-name = ["POST /api/v1/bookings/{id}/decline"]
parameters = { "path.id" = { dictionary = "to_decline", probability = 0.3 } }

[[operations]]
include-name = ["POST /api/v1/bookings/{id}/cancel"]
parameters = { "path.id" = { dictionary = "to_cancel", probability = 0.3 } }

[[operations]]
include-name = ["POST /api/v1/bookings"]
[operations.parameters]
"body.listing_id" = { dictionary = "listings", probability = 0.5 }
"body.from" = { dictionary = "days", probability = 0.5 }
"body.to" = { dictionary = "days", probability = 0.5 }
"body.card.number" = { dictionary = "card_numbers", probability = 0.5 }
"body.card.expiry" = { dictionary = "card_expiries", probability = 0.5 }
"body.card.cvc" = { dictionary = "card_cvcs", probability = 0.5 }
"header.Idempotency-Key" = { dictionary = "keys", probability = 0.3 }
EOF
  # Search and a booking request refuse input no schema can describe: a place the gazetteer
  # does not know, a stale page cursor, `from` without `to`, a pickup day in the past or
  # after the return, more days than the listing allows, one's own listing, a declined card;
  # a webhook's address that is private or local, or an event kind that does not exist.
  # Their 400 `validation` problem is the right answer to such schema-valid input, so
  # positive_data_acceptance takes it there (and only there; with API_FUZZ_STRICT=1 not
  # even there, to see what a tighter schema would still let through).
  if [ -z "${API_FUZZ_STRICT:-}" ]; then
    cat >>"$config" <<EOF

[[operations]]
include-name = ["GET /api/v1/listings", "POST /api/v1/bookings", "POST /api/v1/webhooks"]
[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
EOF
  fi

  # Every check, but
  local excluded=(
    # it compares several identities' reads of each other's objects (a WFC auth file of
    # several users); with the one token sent here it never runs.
    object_level_authorization
  )
  local excluded_list
  excluded_list=$(IFS=,; echo "${excluded[*]}")
  local requests_before
  requests_before=$(grep -c '"message":"finished processing request"' "$log" || true)
  local st_started=$SECONDS status=0
  # From a folder of our own (schemathesis reads a schemathesis.toml from where it runs and
  # its parents), one worker (several share Python 3.11's parser, which fails now and then
  # under threads, and order their cases differently run to run), no example database (the
  # same seed gives the same cases), every phase, and each failure shrunk and reported once.
  # Output is not sanitized: the token it would hide belongs to a database dropped at the
  # end, and the `Idempotency-Key` it also hides is often the failing input.
  (cd "$work/st" && timeout --foreground 300 "$st" --config-file "$config" \
    run "$origin/api/v1/openapi.json" -H "Authorization: Bearer $token" \
    --checks all --exclude-checks "$excluded_list" \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$examples" --seed "$seed" --workers 1 --continue-on-failure \
    --generation-database none --request-timeout 20 --output-sanitize false --no-color \
    --report junit,json --report-junit-path "$out/junit.xml" --report-json-path "$out/report.json" \
    "${extra_args[@]}") \
    >"$out/schemathesis.txt" 2>&1 || status=$?
  # Interrupted (Ctrl-C reaches schemathesis, which exits by itself; bash then runs no trap).
  [ "$status" -ne 130 ] || exit 130
  local elapsed=$((SECONDS - st_started))
  local requests classes
  requests=$(($(grep -c '"message":"finished processing request"' "$log" || true) - requests_before))
  # The server logs every answer with its status: theirs by class ("1240 2xx, 3084 4xx").
  classes=$(grep '"message":"finished processing request"' "$log" | tail -n "$requests" \
    | grep -o '"status":[0-9]' | cut -c10 | sort | uniq -c \
    | awk '{ printf "%s%s %sxx", (n++ ? ", " : ""), $1, $2 }')

  local operations cases failures errors
  if [ -s "$out/report.json" ]; then
    operations=$(jq -r '.operations.tested' "$out/report.json")
    cases=$(jq -r '.test_cases.generated' "$out/report.json")
    failures=$(jq -r '.test_cases.unique_failures' "$out/report.json")
    errors=$(jq -r '[.errors[].count] | add // 0' "$out/report.json")
  else
    operations="?" cases="?" failures="?" errors="?"
  fi
  local server_errors
  server_errors=$(grep -c '"level":"ERROR"' "$log" || true)
  kill -0 "$server_pid" 2>/dev/null || die "the server on $backend died during the run"
  stop_server
  cp "$log" "$out/server.log"
  [ -z "$db" ] || psql_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  rm -rf "$work"

  echo "schemathesis ($backend): $operations operations, $requests requests ($classes) for $cases test cases, $failures failures, $errors errors in $elapsed s (seed $seed, $examples examples; $((SECONDS - started)) s with setup)"
  if [ "$server_errors" -gt 0 ]; then
    echo "  the server logged $server_errors errors; the first:" >&2
    grep '"level":"ERROR"' "$log" | head -n 5 | cut -c1-400 | sed 's/^/    /' >&2
  fi
  if [ "$status" -ne 0 ]; then
    echo "--- schemathesis's summary on $backend (all of it: $out/schemathesis.txt)" >&2
    # From its first section of errors or failures to the end, with the curl reproductions.
    awk '/^=+ (ERRORS|FAILURES) =+$/ { show = 1 } show' "$out/schemathesis.txt" >&2
    [ -s "$out/report.json" ] || tail -n 40 "$out/schemathesis.txt" >&2
    [ "$status" -ne 124 ] || echo "schemathesis did not finish in 300 s" >&2
    failed+=("$backend: schemathesis (exit status $status)")
  fi
  if [ "$server_errors" -gt 0 ]; then
    failed+=("$backend: the server logged $server_errors errors ($out/server.log)")
  fi
}

# One database, to the end: its failures, if any, fail it.
fuzz_one() {
  failed=()
  fuzz "$1"
  if [ ${#failed[@]} -gt 0 ]; then
    die "$(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
  fi
}

if [ ${#backends[@]} -eq 1 ]; then
  fuzz_one "${backends[0]}"
  exit 0
fi
# Both databases side by side, each in a subshell with its own cleanups (a subshell runs
# no trap of its parent's): schemathesis is one Python thread, so two runs share the two
# cores of a test machine instead of taking turns. Each runs whatever the other finds;
# their output is shown one after the other.
pids=()
for backend in "${backends[@]}"; do
  (
    cleanups=()
    trap finish EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    fuzz_one "$backend"
  ) >"$reports/$backend.log" 2>&1 &
  pids+=($!)
done
# Interrupted, the parent stops both and waits while they stop their servers and drop their
# databases.
on_exit "kill -TERM ${pids[*]} 2>/dev/null; wait ${pids[*]} 2>/dev/null"
status=0
for i in "${!backends[@]}"; do
  wait "${pids[$i]}" || status=$?
  cat "$reports/${backends[$i]}.log"
done
# Both ended: only the cleanup above goes, not what the parent registered before it (a
# PostgreSQL that scripts/postgres.sh started).
unset 'cleanups[-1]'
exit "$status"
