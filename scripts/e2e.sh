# Sourced by scripts/test.sh: e2e_run BACKEND seeds a fresh database, serves the build on it
# and runs the Playwright suite in Debian's Chromium: every journey on SQLite, and on
# PostgreSQL those tagged @database, whose outcome the database decides (concurrent bookings,
# live changes across two instances, search and its pages). The rest go through the same
# store code, which the integration tests run on both databases: payments, claims,
# extensions, the jobs that release deposits, edits of one version twice.

E2E_PORT=${E2E_PORT:-3100}
# The server binary; test.sh passes the one its tests built.
E2E_SERVER=${E2E_SERVER:-target/release/gearshare}
# The admin the browser tests log in as (a fresh database each run).
E2E_ADMIN_EMAIL=admin@gearshare.test
E2E_ADMIN_PASSWORD="kayak tripod lantern"

e2e_run() {
  local backend=$1 dir=".gs-tmp/e2e-$1" db_url status=0 name="gearshare_e2e_$$" only=()
  local port
  for port in "$E2E_PORT" "$((E2E_PORT + 1))"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is taken; stop what listens there or set E2E_PORT" >&2
      return 1
    fi
  done
  rm -rf "$dir" && mkdir -p "$dir"
  # The server writes emails here; the browser tests read them (an absolute path for both).
  local outbox="$PWD/$dir/outbox"
  if [ "$backend" = postgres ]; then
    db_url="${TEST_POSTGRES_URL%/*}/$name"
    psql_admin "DROP DATABASE IF EXISTS $name" && psql_admin "CREATE DATABASE $name"
    only=(--grep @database)
  else
    db_url="sqlite://$dir/gearshare.db"
  fi
  (
    export DATABASE_URL="$db_url" MEDIA_DIR="$dir/media" EVIDENCE_DIR="$dir/evidence" SECRET_KEY_FILE="$dir/secret-keys" MAIL_OUTBOX="$outbox" GEARSHARE_ADDR="127.0.0.1:$E2E_PORT" \
      LEPTOS_SITE_ROOT=target/site LOG_FORMAT=json TRUST_PROXY=true DEPOSIT_RELEASE_MINUTES=1 WEBHOOKS_ALLOW_PRIVATE=true \
      GEARSHARE_ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD"
    # errexit is off in a subshell run with `||`: check each step.
    "$E2E_SERVER" seed --listings 300 --seed 42 || exit $?
    "$E2E_SERVER" create-admin --email "$E2E_ADMIN_EMAIL" --name "Ada Admin" >/dev/null \
      || exit $?
    "$E2E_SERVER" serve >"$dir/server.log" 2>&1 &
    server=$!
    second="" second_url=""
    if [ "$backend" = postgres ]; then
      # A second instance on the same database: live changes must cross instances.
      GEARSHARE_ADDR="127.0.0.1:$((E2E_PORT + 1))" "$E2E_SERVER" serve \
        >"$dir/server-2.log" 2>&1 &
      second=$! second_url="http://127.0.0.1:$((E2E_PORT + 1))"
    fi
    # Stops the servers however the subshell ends, keeping the subshell's exit status.
    trap 'code=$?; kill $server $second 2>/dev/null || true; exit "$code"' EXIT
    status=0
    (cd end2end && GEARSHARE_E2E_URL="http://127.0.0.1:$E2E_PORT" GEARSHARE_E2E_SECOND_URL="$second_url" GEARSHARE_E2E_OUTBOX="$outbox" \
      GEARSHARE_E2E_ADMIN_EMAIL="$E2E_ADMIN_EMAIL" GEARSHARE_E2E_ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD" \
      npx playwright test ${only[@]+"${only[@]}"}) \
      >"$dir/playwright.log" 2>&1 || status=$?
    cat "$dir/playwright.log"
    kill -TERM $server $second && wait $server $second || true
    if [ "$status" -ne 0 ]; then
      # The server's last words first, then the failures again: CI shows only the end.
      echo "browser tests failed on $backend; the end of the server's log:" >&2
      tail -n 15 "$dir/server.log" | cut -c1-300 >&2
      echo "the end of Playwright's report, with the failures:" >&2
      tail -n 80 "$dir/playwright.log" >&2
    fi
    exit "$status"
  ) || status=$?
  [ "$backend" = postgres ] && psql_admin "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  return "$status"
}

# Runs one statement on the test server as its admin.
psql_admin() {
  command -v psql >/dev/null || apt_install postgresql-client
  PGCONNECT_TIMEOUT=5 psql -w -q "$TEST_POSTGRES_URL" -c "$1" >/dev/null
}
