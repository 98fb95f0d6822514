#!/usr/bin/env bash
# Prints the size of every file the browser may download from /pkg (raw and gzip -9): the
# core (the JavaScript glue, the split loader and the main wasm) and each chunk, with the pages
# whose lazy view needs it (from cargo-leptos's __wasm_split_manifest*.json), and the core
# plus each page's chunks: the first download of that page.
#
#   scripts/wasm-size.sh      (after cargo leptos build --release --split)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - target/site/pkg <<'PY'
import gzip, json, pathlib, re, sys
pkg = pathlib.Path(sys.argv[1])
size = lambda p: (p.stat().st_size, len(gzip.compress(p.read_bytes(), 9)))
manifest_file = next(pkg.glob("__wasm_split_manifest*.json"), None)
if manifest_file is None:
    sys.exit("no split manifest in target/site/pkg: build with `cargo leptos build --release --split`")
manifest = json.loads(manifest_file.read_text())
files = {p.name: size(p) for p in pkg.iterdir() if p.suffix in (".wasm", ".js")}
def file_of(module):
    # Chunks are named in the manifest by stem; on disk they may carry a content hash.
    for name in files:
        if name == f"{module}.wasm" or (name.startswith(module + ".") and name.endswith(".wasm")):
            return name
    return None
chunk_files = {file_of(m) for mods in manifest.values() for m in mods} - {None}
core = [n for n in files if n not in chunk_files]
core_raw = sum(files[n][0] for n in core); core_gz = sum(files[n][1] for n in core)
print(f"{'file':<60} {'raw':>10} {'gzip':>9}")
for n in sorted(core):
    print(f"{n:<60} {files[n][0]:>10,} {files[n][1]:>9,}")
print(f"{'core':<60} {core_raw:>10,} {core_gz:>9,}\n")
# A page's lazy view is named after its route type (app::lazy_page!: HomeRoute -> home_route).
def page(key):
    m = re.match(r"_*(.*?)_view_\d+$", key)
    return m.group(1) if m else key
print(f"{'page':<28} {'its chunks':<50} {'raw':>9} {'gzip':>8} {'first visit gzip':>17}")
for key, mods in sorted(manifest.items(), key=lambda kv: page(kv[0])):
    names = [file_of(m) for m in mods if file_of(m)]
    raw = sum(files[n][0] for n in names); gz = sum(files[n][1] for n in names)
    print(f"{page(key):<28} {', '.join(m for m in mods)[:50]:<50} {raw:>9,} {gz:>8,} {core_gz + gz:>17,}")
PY
