#!/usr/bin/env bash
# Builds and runs the cargo-fuzz targets on the stable toolchain (RUSTC_BOOTSTRAP=1 lets
# stable rustc take the -Z sanitizer/coverage flags cargo-fuzz passes), each for a fixed time
# from the committed seeds, and prints per target: executions, exec/s, coverage (cov, ft),
# corpus size and crashes. Exits non-zero when any target crashed (or failed to build).
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Environment:
#   FUZZ_RSS_LIMIT_MB  libFuzzer -rss_limit_mb (default 2048)
#   FUZZ_TIMEOUT       libFuzzer -timeout, seconds per input (default 30)
#   FUZZ_KEEP_GOING=1  fork mode (-fork=1 -ignore_crashes=1 ...): keep fuzzing after a crash
#                      and count crashes, for long runs
#   FUZZ_LOG_DIR       where each target's libFuzzer log goes (default fuzz/logs)
#   FUZZ_SANITIZER     cargo fuzz --sanitizer for every target (default: address, and none
#                      for checkpoint)
#   FUZZ_TARGET_DIR    build directory (default fuzz/target)
#
# Scratch: fuzz/corpus/<target> (the growing corpus; the seeds are read from
# fuzz/seeds/<target>), fuzz/artifacts/<target> (crash inputs), fuzz/target (builds). All
# git-ignored. Install cargo-fuzz with `cargo install cargo-fuzz --locked`.
set -uo pipefail
cd "$(dirname "$0")"

ALL_TARGETS=(load_whole load_stream load_gzip scenario holdings_csv metadata checkpoint)
seconds="${1:-60}"
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${ALL_TARGETS[@]}"); fi
case "$seconds" in ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2;; esac

export RUSTC_BOOTSTRAP=1
# Never the main workspace's (or CI's) target dir: sanitizer flags would rebuild it all.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
rss="${FUZZ_RSS_LIMIT_MB:-2048}"
per_input="${FUZZ_TIMEOUT:-30}"
logs="${FUZZ_LOG_DIR:-$PWD/logs}"
mkdir -p "$logs"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  exit 2
fi

# Per-target settings: input size limit and cargo features.
max_len() {
  case "$1" in
    load_whole|load_stream|load_gzip) echo 131072 ;;
    checkpoint) echo 65536 ;;
    *) echo 32768 ;;
  esac
}
# cargo fuzz build/run flags: the checkpoint target pulls burn, which with AddressSanitizer
# and one codegen unit per crate takes too long to build here (docs/RELIABILITY.md); it is
# built without a sanitizer (coverage instrumentation, debug assertions and overflow checks
# stay) and with 16 codegen units. FUZZ_SANITIZER overrides the sanitizer for every target.
flags() {
  case "$1" in
    checkpoint) echo "-s ${FUZZ_SANITIZER:-none} --codegen-units=16 --features=checkpoint" ;;
    *) echo "-s ${FUZZ_SANITIZER:-address}" ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  if [ ! -f "fuzz_targets/$t.rs" ]; then
    echo "run.sh: unknown target '$t' (known: ${ALL_TARGETS[*]})" >&2
    status=2; continue
  fi
  echo "=== $t: build"
  build_start=$(date +%s)
  # shellcheck disable=SC2046
  if ! cargo fuzz build -O $(flags "$t") "$t"; then
    echo "=== $t: BUILD FAILED"
    summary+=("$(printf '%-13s build failed' "$t")")
    status=1; continue
  fi
  echo "=== $t: built in $(( $(date +%s) - build_start )) s; fuzzing for ${seconds} s"
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$logs/$t.log"
  before=$(find "artifacts/$t" -type f | wc -l)
  extra=()
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  fi
  # shellcheck disable=SC2046
  cargo fuzz run -O $(flags "$t") "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb="$rss" -max_len="$(max_len "$t")" \
    -timeout="$per_input" -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    "${extra[@]}" >"$log" 2>&1
  rc=$?
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$(( after - before ))
  # Executions and coverage: libFuzzer's final stats, else its last status line.
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  eps=$(grep -a 'stat::average_exec_per_sec' "$log" | tail -1 | awk '{print $2}')
  last=$(grep -aE '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -1)
  [ -z "$execs" ] && execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  # Fork mode prints no final stats: the average over the run.
  [ -z "$eps" ] && [ -n "$execs" ] && eps=$(( execs / (seconds > 0 ? seconds : 1) ))
  cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(find "corpus/$t" -type f | wc -l)
  line=$(printf '%-13s %ss  execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-6s crashes %s' \
    "$t" "$seconds" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$crashes")
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    line+="  (exit $rc; log $log; inputs in fuzz/artifacts/$t/)"
    status=1
    echo "=== $t: CRASH or error (exit $rc), last lines of $log:"
    grep -aE 'ERROR|panicked|SUMMARY|Test unit written|artifact' "$log" | tail -8
  fi
  echo "=== $line"
  summary+=("$line")
done

echo
echo "fuzz summary ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')):"
printf '  %s\n' "${summary[@]}"
exit "$status"
