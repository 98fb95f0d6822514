# Sourced by scripts/test.sh: finds the PostgreSQL server for the tests, or installs and
# starts a throwaway one, and exports TEST_POSTGRES_URL (an admin URL; each test creates and
# drops its own database there). PostgreSQL tests never skip.

# True when the server on port $1 lets `postgres` in without a password, as tests need.
pg_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
  command -v psql >/dev/null || apt_install postgresql-client
  PGCONNECT_TIMEOUT=5 psql -w -qAt "postgres://postgres@127.0.0.1:$1/postgres" -c 'SELECT 1' \
    >/dev/null 2>&1
}

if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  if pg_answers 5432; then
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    GS_PG_PORT=55432
    GS_PG_DIR=/tmp/gearshare-test-pg
    if ! pg_answers "$GS_PG_PORT"; then
      apt_install postgresql postgresql-contrib
      pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
      rm -rf "$GS_PG_DIR" && mkdir -p "$GS_PG_DIR" && chown postgres:postgres "$GS_PG_DIR"
      # From /, which the postgres user may enter: the clone may sit in a private folder.
      (cd / && runuser -u postgres -- "$pg_bin/initdb" -D "$GS_PG_DIR/data" -U postgres \
        --auth=trust -E UTF8 --no-locale >/dev/null)
      (cd / && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$GS_PG_DIR/data" -l "$GS_PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $GS_PG_PORT -k $GS_PG_DIR" start >/dev/null)
      echo "started a throwaway PostgreSQL on port $GS_PG_PORT"
      on_exit "(cd / && runuser -u postgres -- '$pg_bin/pg_ctl' -D '$GS_PG_DIR/data' -m fast stop >/dev/null)"
    fi
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$GS_PG_PORT/postgres"
  fi
fi
echo "PostgreSQL for tests: $TEST_POSTGRES_URL"
