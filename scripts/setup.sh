#!/usr/bin/env bash
# Installs what building GearShare needs and skips whatever is already there, so a second
# run takes seconds. Only package registries are reachable on our machines: every tool is
# built from crates.io or taken from npm or Debian (docs/toolchain.md explains the pins).
#
#   scripts/setup.sh            build tools: wasm target, cargo-leptos, wasm-bindgen, npm
#   scripts/setup.sh --test     also Chromium and the Playwright packages for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"

say() { printf 'setup: %s\n' "$*"; }

source scripts/lib.sh

# Builds a crates.io tool whose published lockfile needs a newer rustc than ours: take its
# source from the registry, re-pin the one dependency, then install from that copy, at
# optimisation level $5.
install_with_pin() {
  local crate=$1 version=$2 dep=$3 pin=$4 opt_level=$5
  local registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
  local src
  src=$(ls -d "$registry"/*/"$crate-$version" 2>/dev/null | head -n 1 || true)
  if [ -z "$src" ]; then
    # A plain --locked install downloads and unpacks the source, then stops at the pin.
    cargo install --locked "$crate" --version "$version" >/dev/null 2>&1 || true
    src=$(ls -d "$registry"/*/"$crate-$version" 2>/dev/null | head -n 1 || true)
  fi
  [ -n "$src" ] || { say "cannot fetch the source of $crate $version from crates.io"; exit 1; }
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/$crate"
  (cd "$work/$crate" && cargo update -q -p "$dep" --precise "$pin")
  say "building $crate $version (a few minutes, once)"
  # Built to build quickly: the tools spend seconds per GearShare build, and their own
  # profiles' full optimisation (LTO, one codegen unit, opt-level 3) cost most of a fresh
  # machine's setup.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt_level" CARGO_PROFILE_RELEASE_DEBUG=false \
  CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install -q --locked --path "$work/$crate"
  rm -rf "$work"
}

# The bundled SQLite and other -sys crates compile C.
command -v cc >/dev/null || apt_install gcc libc6-dev

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
}

# The two tools build side by side: each build ends in long single-threaded steps that
# leave the other core idle. cargo-leptos, the longer build, only drives other programs and
# splits the wasm (about 2 s unoptimised); wasm-bindgen rewrites every chunk, so it
# keeps some optimisation.
building=()
if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  install_with_pin cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 0 &
  building+=($!)
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  install_with_pin wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10 1 &
  building+=($!)
fi
for pid in "${building[@]}"; do wait "$pid"; done

command -v npm >/dev/null || apt_install nodejs npm
# Tailwind and wasm-opt (binaryen 132: Debian's wasm-opt 108 writes wasm that fails to
# hydrate). `npm ci` installs the lockfile as committed and never rewrites it.
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Tailwind CSS and binaryen from npm"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--test" ]; then
  apt_install chromium
  if [ ! -d end2end/node_modules/@playwright/test ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing Playwright (its own browser download is skipped: we use Debian's Chromium)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
say "tools ready"
