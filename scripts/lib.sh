# Helpers sourced by the scripts in this folder.

# Installs the Debian packages that are missing; `apt-get update` runs once per script.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "${GS_APT_UPDATED:-}" ]; then
    apt-get update -qq
    GS_APT_UPDATED=1
  fi
  echo "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds the release (server and browser side) when a source is newer than the last one.
# scripts/test.sh rebuilds only the browser side, so a release server binary alone says
# nothing about whether it matches target/site; and cargo-leptos re-runs wasm-bindgen and
# wasm-opt (~20 s) even when nothing changed.
release_build() {
  local stamp=target/release/.gearshare-built
  local sources=(app frontend server style public migrations Cargo.toml Cargo.lock package.json)
  if [ ! -x target/release/gearshare ] || [ ! -f "$stamp" ] \
     || [ -n "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
    # The browser side and the server build side by side, in their own target folders
    # (cargo-leptos builds them one after the other when file names are hashed, but our
    # server reads the hash list when it starts, not when it is compiled).
    local front status=0
    cargo leptos build --release --split --frontend-only &
    front=$!
    cargo leptos build --release --split --server-only || status=$?
    wait "$front" || status=$?
    [ "$status" = 0 ] || return "$status"
    copy_api_viewer
    touch "$stamp"
  fi
}

# Puts Swagger UI (npm swagger-ui-dist, pinned in package.json) into the site, where /api/docs
# loads it from our own origin. Run after every build of the site: cargo-leptos writes
# target/site afresh.
copy_api_viewer() {
  mkdir -p target/site/api-docs
  cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
    node_modules/swagger-ui-dist/LICENSE target/site/api-docs/
}

# Builds the benchmark example $1 (server/examples/$1.rs) in release mode and runs it on each
# database $2 names (sqlite, postgres or both), with the remaining arguments. Source
# scripts/postgres.sh first when PostgreSQL is among them.
run_bench_example() {
  local example=$1 backends=$2 backend
  shift 2
  cargo build --release -q -p server --example "$example"
  for backend in sqlite postgres; do
    if [ "$backends" = both ] || [ "$backends" = "$backend" ]; then
      RUST_LOG=error "target/release/examples/$example" "$backend" "$@"
    fi
  done
}
