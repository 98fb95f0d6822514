#!/usr/bin/env bash
# Builds and runs GearShare's fuzz targets, one after another, each for SECONDS (default 60).
#
#   fuzz/run.sh                 # every target, 60 s each
#   fuzz/run.sh 600             # every target, 10 minutes each
#   fuzz/run.sh 30 ics_import   # some targets only
#
# Prints, per target, the executions libFuzzer reports (`-print_final_stats=1`,
# `stat::number_of_executed_units`) and whether it found a crash; exits 1 when any did.
# Builds and runs are niced, cargo builds with one job, and only one target runs at a time:
# the machine is shared with the main build.
#
# Environment:
#   FUZZ_TARGET_DIR  build output, logs, grown corpora and crash inputs
#                    (default /work/fuzz-target; never the repository's target/)
#   FUZZ_SANITIZER   none (default) or address: ASan finds memory errors in unsafe code of
#                    dependencies (the image decoders) at about half the speed
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a crash (default 30)
#   FUZZ_RSS_MB      memory one run may use (default 2048)
#   FUZZ_KEEP_GOING  1: after a crash, start the target again until its SECONDS are used up,
#                    counting every crash (for long runs that should not end at the first one)
#   FUZZ_ARGS        more libFuzzer flags, e.g. "-max_len=65536"
#   FUZZ_VERBOSE=1   photo_headers prints what each upload came to (for single inputs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all_targets=(ics_import recurrence_rule search_params money_and_dates card_fields photo_headers)

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: $0 [SECONDS] [TARGET...]   targets: ${all_targets[*]}" >&2
    exit 2
fi
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
    for t in "${targets[@]}"; do
        if [[ " ${all_targets[*]} " != *" $t "* ]]; then
            echo "unknown target $t; targets: ${all_targets[*]}" >&2
            exit 2
        fi
    done
else
    targets=("${all_targets[@]}")
fi

out="${FUZZ_TARGET_DIR:-/work/fuzz-target}"
sanitizer="${FUZZ_SANITIZER:-none}"
timeout="${FUZZ_TIMEOUT:-30}"
rss_mb="${FUZZ_RSS_MB:-2048}"
keep_going="${FUZZ_KEEP_GOING:-0}"
read -r -a extra_args <<<"${FUZZ_ARGS:-}"

# cargo fuzz passes nightly-only flags (-Zsanitizer, sancov); the stable toolchain accepts
# them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$out"
export CARGO_BUILD_JOBS=1
# The same flags for build and run, so `cargo fuzz run` finds the build up to date.
fuzz_flags=(-O -a -s "$sanitizer" --target-dir "$out")

cd "$here"
mkdir -p "$out/logs"

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
build_start=$(date +%s)
for t in "${targets[@]}"; do
    nice -n 19 cargo fuzz build "${fuzz_flags[@]}" "$t"
done
echo "== built in $(($(date +%s) - build_start)) s"
# The binaries are run directly rather than through `cargo fuzz run`, which would rebuild
# whenever app/ changed meanwhile: every target fuzzes the code built above, and a target's
# seconds are spent fuzzing.
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$out/$triple/release"

crashed=0
summary=()
for t in "${targets[@]}"; do
    corpus="$out/corpus/$t"
    artifacts="$out/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    log="$out/logs/$t.log"
    : >"$log"
    execs=0
    crashes=0
    runs=0
    found=()
    start=$(date +%s)
    while :; do
        left=$((seconds - ($(date +%s) - start)))
        [ "$left" -ge 1 ] || break
        runs=$((runs + 1))
        echo "== $t: run $runs, ${left} s" | tee -a "$log"
        # The grown corpus lives outside the repository; the seeds are read from fuzz/corpus.
        set +e
        nice -n 19 "$bin_dir/$t" "$corpus" "$here/corpus/$t" \
            -max_total_time="$left" -print_final_stats=1 -timeout="$timeout" \
            -rss_limit_mb="$rss_mb" -artifact_prefix="$artifacts/" \
            "${extra_args[@]}" >"$log.run" 2>&1
        rc=$?
        set -e
        cat "$log.run" >>"$log"
        n=$(grep -a 'stat::number_of_executed_units' "$log.run" | tail -n 1 | awk '{print $2}')
        if [ -z "$n" ]; then
            # No final stats (e.g. killed): the last progress line's count.
            n=$(grep -aoE '^#[0-9]+' "$log.run" | tail -n 1 | tr -d '#')
        fi
        execs=$((execs + ${n:-0}))
        if [ "$rc" -ne 0 ]; then
            crashes=$((crashes + 1))
            unit=$(grep -aoE 'Test unit written to [^ ]+' "$log.run" | tail -n 1 | sed 's/Test unit written to //')
            found+=("${unit:-unknown (exit $rc, see $log)}")
            echo "!! $t: crash, input ${unit:-?}; see $log" >&2
            grep -aE "panicked at|^thread '|ERROR: libFuzzer|SUMMARY" "$log.run" | head -n 6 >&2 || true
        fi
        rm -f "$log.run"
        if [ "$rc" -eq 0 ] || [ "$keep_going" != 1 ]; then
            break
        fi
    done
    took=$(($(date +%s) - start))
    if [ "$crashes" -gt 0 ]; then
        crashed=1
        verdict="CRASH ($crashes): ${found[*]}"
    else
        verdict="no crash"
    fi
    line="$t: $execs executions in $took s, $verdict"
    echo "== $line"
    summary+=("$line")
done

echo
echo "== summary (${seconds} s a target, sanitizer $sanitizer, logs in $out/logs)"
printf '%s\n' "${summary[@]}"
exit "$crashed"
