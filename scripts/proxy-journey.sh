#!/usr/bin/env bash
# The deployment's topology (compose.yaml) without containers: Debian's Caddy running the
# repository's deploy/Caddyfile in front of two `gearshare serve` processes on one fresh
# PostgreSQL database, sharing their data folders and key file as the compose volumes do.
# Through the proxy only, with curl: a smoke journey over HTTP/2 that both instances answer,
# then a live update: a listing's event stream held by one instance hears a change made at
# the other (PostgreSQL LISTEN/NOTIFY), passed through Caddy as it is written.
#
#   scripts/proxy-journey.sh
#
# E2E_SERVER: the server binary (default target/debug/gearshare, which `cargo test` builds);
# LEPTOS_SITE_ROOT: the site (default target/site; pages render without it);
# TEST_POSTGRES_URL: an admin URL of a PostgreSQL server (else scripts/postgres.sh finds or
# starts one), where a database of its own is created and dropped.
# Ends with one line: `proxy journey: …`; on failure, the reason and the logs' last lines.
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."
source scripts/lib.sh

started=$SECONDS
cleanups=()
on_exit() { cleanups+=("$1"); }
work=""
finish() {
  local status=$? i log
  if [ "$status" -ne 0 ] && [ -n "$work" ]; then
    for log in app1.log app2.log caddy.log stream.txt stream.err; do
      if [ -s "$work/$log" ]; then
        echo "--- the end of $log" >&2
        tail -n 20 "$work/$log" | cut -c1-300 >&2
      fi
    done
  fi
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[$i]}" || true; done
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "proxy journey failed: $*" >&2
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

# Adds to `ports` one that nothing listens on (checked by connecting; the processes bind it
# moments later), below Linux's usual range of outgoing connections' ports (32768-60999).
ports=()
pick_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    [[ " ${ports[*]-} " == *" $port "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    ports+=("$port")
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

# The tools: Caddy and the PostgreSQL client from Debian, curl with HTTP/2.
command -v caddy >/dev/null || apt_install caddy
command -v curl >/dev/null || apt_install curl
command -v psql >/dev/null || apt_install postgresql-client
curl -V | grep -qw HTTP2 || die "this curl cannot speak HTTP/2"

server=$(absolute "${E2E_SERVER:-target/debug/gearshare}")
[ -x "$server" ] || die "no server binary at $server; build it (cargo test --no-run builds target/debug/gearshare) or set E2E_SERVER"
site=$(absolute "${LEPTOS_SITE_ROOT:-target/site}")

if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  source scripts/postgres.sh
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gs-proxy.XXXXXX")
on_exit "rm -rf '$work'"
mkdir -p "$work/media" "$work/evidence" "$work/keys" "$work/outbox" "$work/uploads" "$work/caddy"

# A database of our own on the test server, dropped at the end.
db="gs_proxy_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
admin_base=${TEST_POSTGRES_URL%%\?*}
admin_query=${TEST_POSTGRES_URL#"$admin_base"}
db_url="${admin_base%/*}/$db$admin_query"
psql_admin() { PGCONNECT_TIMEOUT=5 psql -w -q -X "$TEST_POSTGRES_URL" -c "$1" >/dev/null; }
psql_admin "CREATE DATABASE $db" || die "cannot create database $db on $TEST_POSTGRES_URL"
on_exit "psql_admin 'DROP DATABASE IF EXISTS $db WITH (FORCE)'"

pick_port && pick_port && pick_port && pick_port
app_ports=("${ports[0]}" "${ports[1]}")
https_port=${ports[2]}
http_port=${ports[3]}
origin="https://localhost:$https_port"

# As compose.yaml sets the instances up: one database, shared media, evidence, key file and
# outbox, TRUST_PROXY, PUBLIC_URL the proxy's https origin. Settings the caller's
# environment may hold that would change what is tested are cleared.
gs_env=(
  -u MEDIA_STORE -u EVIDENCE_STORE -u SECRET_KEYS -u SMTP_URL -u METRICS_TOKEN
  DATABASE_URL="$db_url" LEPTOS_SITE_ROOT="$site" MEDIA_DIR="$work/media"
  EVIDENCE_DIR="$work/evidence" SECRET_KEY_FILE="$work/keys/secret-keys"
  MAIL_OUTBOX="$work/outbox" UPLOAD_DIR="$work/uploads" TRUST_PROXY=true
  PUBLIC_URL="$origin" LOG_FORMAT=json RUST_LOG="info,sqlx=warn,tower_http=info"
  DB_MAX_CONNECTIONS=8 REQUEST_TIMEOUT_SECS=10
)
env "${gs_env[@]}" "$server" migrate >"$work/migrate.log" 2>&1 \
  || { cat "$work/migrate.log" >&2; die "gearshare migrate failed"; }
env "${gs_env[@]}" "$server" seed --listings 20 >"$work/seed.log" 2>&1 \
  || { cat "$work/seed.log" >&2; die "gearshare seed failed"; }

pids=()
for i in 0 1; do
  env "${gs_env[@]}" GEARSHARE_ADDR="127.0.0.1:${app_ports[$i]}" "$server" serve \
    >"$work/app$((i + 1)).log" 2>&1 &
  pids+=($!)
  on_exit "stop_pid $!"
done
for i in 0 1; do
  wait_for 60 "${pids[$i]}" curl -fsS -o /dev/null --max-time 2 \
    "http://127.0.0.1:${app_ports[$i]}/readyz" \
    || die "instance $((i + 1)) (127.0.0.1:${app_ports[$i]}) did not become ready"
done

# Caddy with the repository's file; its state (the local CA, certificates) in our folder.
caddy_home="$work/caddy"
env HOME="$caddy_home" XDG_DATA_HOME="$caddy_home/data" XDG_CONFIG_HOME="$caddy_home/config" \
  GEARSHARE_SITE=localhost GEARSHARE_UPSTREAMS="127.0.0.1:${app_ports[0]} 127.0.0.1:${app_ports[1]}" \
  CADDY_HTTP_PORT="$http_port" CADDY_HTTPS_PORT="$https_port" CADDY_ADMIN=off \
  caddy run --config deploy/Caddyfile --adapter caddyfile >"$work/caddy.log" 2>&1 &
caddy_pid=$!
on_exit "stop_pid $caddy_pid"
ca="$caddy_home/data/caddy/pki/authorities/local/root.crt"
wait_for 20 "$caddy_pid" test -s "$ca" || die "Caddy's local CA did not appear at $ca"
# Every request below goes through the proxy, verifying its certificate against that CA.
proxied=(curl -sS --http2 --cacert "$ca" --resolve "localhost:$https_port:127.0.0.1" --max-time 10)
wait_for 20 "$caddy_pid" "${proxied[@]}" -f -o /dev/null "$origin/healthz" \
  || die "Caddy did not answer on $origin"
caddy_version=$(HOME="$caddy_home" caddy version | awk '{ print $1 }')

# --- Smoke: machine endpoints and pages, over HTTP/2.
n=0
get() { # path, expected content type prefix
  local path=$1 want=$2 answer code version type
  n=$((n + 1))
  answer=$("${proxied[@]}" -o "$work/body" -D "$work/headers" -H "x-request-id: gs-proxy-$n" \
    -w '%{http_code} %{http_version} %{content_type}' "$origin$path") \
    || die "GET $path through the proxy: no answer"
  read -r code version type <<<"$answer"
  [ "$code" = 200 ] || die "GET $path through the proxy answered $code"
  [ "$version" = 2 ] || die "GET $path came over HTTP/$version, not HTTP/2"
  [[ "$type" == "$want"* ]] || die "GET $path answered $type, not $want"
}
get /healthz ""
get /readyz ""
get / text/html
grep -q '<html' "$work/body" || die "the home page through the proxy is not HTML"
grep -qi '^strict-transport-security:' "$work/headers" \
  || die "no HSTS header on the home page (PUBLIC_URL is https)"
get "/search?q=tent" text/html
redirect=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: localhost" \
  "http://127.0.0.1:$http_port/") || die "Caddy's HTTP port did not answer"
[ "$redirect" = 308 ] || die "plain HTTP answered $redirect, not a redirect to HTTPS (308)"

# Both instances serve: each request carries an id of ours, which the instance that served it
# logs (the proxy's own health checks carry none).
for ((k = 0; k < 16; k++)); do get /healthz ""; done
served=()
for i in 1 2; do
  served+=("$(grep -o '"request_id":"gs-proxy-[0-9]*"' "$work/app$i.log" | sort -u | wc -l)")
done
if [ "${served[0]}" -eq 0 ] || [ "${served[1]}" -eq 0 ]; then
  die "the proxy sent all $n requests to one instance (instance 1: ${served[0]}, instance 2: ${served[1]})"
fi

# --- A live update across instances. An owner signs up and lists gear, through the proxy.
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
jar="$work/cookies"
post() { # path, then --data-urlencode fields; answers the status, the body in $work/body
  local path=$1
  shift
  "${proxied[@]}" -o "$work/body" -w '%{http_code}' -b "$jar" -c "$jar" \
    -H "Origin: $origin" -H "Accept: application/json" "$@" "$origin$path"
}
code=$(post /api/signup --data-urlencode "name=Proxy Owner" \
  --data-urlencode "email=proxy-owner-$tag@example.com" \
  --data-urlencode "password=lantern-kayak-$tag" --data-urlencode "next=/") || true
[ "$code" = 200 ] || die "sign-up through the proxy answered $code: $(head -c 300 "$work/body")"
session=$(awk '$6 == "gearshare_session" { print $7 }' "$jar")
secure=$(awk '$6 == "gearshare_session" { print $4 }' "$jar")
[ -n "$session" ] || die "sign-up set no session cookie"
[ "$secure" = TRUE ] || die "the session cookie is not Secure behind https"
code=$(post /api/create_listing --data-urlencode "form[title]=Proxy journey tent $tag" \
  --data-urlencode "form[description]=Checked and cleaned after every rental." \
  --data-urlencode "form[category]=camping" --data-urlencode "form[condition]=good" \
  --data-urlencode "form[daily_price]=12" --data-urlencode "form[deposit]=50" \
  --data-urlencode "form[quantity]=1" --data-urlencode "form[city]=Munich" \
  --data-urlencode "form[buffer_days]=0" --data-urlencode "form[cancellation_policy]=flexible") \
  || true
[ "$code" = 200 ] || die "creating a listing through the proxy answered $code: $(head -c 300 "$work/body")"
listing=$(tr -d '"\n' <"$work/body")
[[ "$listing" =~ ^[0-9a-f-]{36}$ ]] || die "creating a listing answered $(head -c 200 "$work/body")"

# A visitor's stream of that listing, through the proxy.
stream="$work/stream.txt"
"${proxied[@]}" -N --max-time 120 -D "$work/stream.headers" -H "Accept: text/event-stream" \
  "$origin/events/listings/$listing" >"$stream" 2>"$work/stream.err" &
stream_pid=$!
on_exit "stop_pid $stream_pid"
wait_for 10 "$stream_pid" grep -q '^event: ready' "$stream" \
  || die "the listing's stream sent no ready event through the proxy"
grep -q '^HTTP/2 200' "$work/stream.headers" || die "the stream did not open over HTTP/2"
grep -qi '^content-type: text/event-stream' "$work/stream.headers" \
  || die "the stream is not text/event-stream"

# Which instance holds it: the one that logged its request.
holder=""
find_holder() {
  local i
  for i in 1 2; do
    if grep -q "\"path\":\"/events/listings/$listing\"" "$work/app$i.log"; then
      holder=$i
      return 0
    fi
  done
  return 1
}
wait_for 5 "" find_holder || die "neither instance logged the stream's request"
other=$((3 - holder))

# The owner pauses the listing at the OTHER instance, straight to it (not through the proxy).
events_before=$(grep -c '^event: bookable' "$stream" || true)
begun=$(date +%s%N)
code=$(curl -sS -o "$work/body" -w '%{http_code}' --max-time 10 \
  -H "Cookie: gearshare_session=$session" -H "Origin: $origin" -H "Accept: application/json" \
  --data-urlencode "id=$listing" --data-urlencode "status=paused" \
  "http://127.0.0.1:${app_ports[$((other - 1))]}/api/listing_status") || true
[ "$code" = 200 ] || die "pausing the listing at instance $other answered $code: $(head -c 300 "$work/body")"
bookable_events() { [ "$(grep -c '^event: bookable' "$stream" || true)" -gt "$1" ]; }
wait_for 10 "$stream_pid" bookable_events "$events_before" \
  || die "the pause at instance $other did not reach the stream held by instance $holder within 10 s"
arrived=$(date +%s%N)
grep -q '"bookable":false' "$stream" || die "the stream's bookable event does not say the listing paused"
crossed=$(awk -v ns=$((arrived - begun)) 'BEGIN { printf "%.2f", ns / 1e9 }')

# And back to active through the proxy, wherever it lands: the stream hears that too.
events_before=$(grep -c '^event: bookable' "$stream" || true)
code=$(post /api/listing_status --data-urlencode "id=$listing" --data-urlencode "status=active") || true
[ "$code" = 200 ] || die "publishing the listing again through the proxy answered $code: $(head -c 300 "$work/body")"
wait_for 10 "$stream_pid" bookable_events "$events_before" \
  || die "publishing the listing again did not reach the stream within 10 s"
grep -q '"bookable":true' "$stream" || die "the stream's bookable event does not say the listing is back"

echo "proxy journey: HTTP/2 through caddy $caddy_version, 2 instances served (${served[0]} and ${served[1]} of $n requests), live update crossed instances ($other to $holder) in $crossed s ($((SECONDS - started)) s in all)"
