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
