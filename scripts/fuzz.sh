#!/usr/bin/env bash
# Builds the fuzz preset (clang 14, libFuzzer, ASan + UBSan) and runs every fuzz target for the
# given seconds each (default 60), starting from a scratch copy of its committed seeds.
#
#   scripts/fuzz.sh [seconds]
#
# The targets are those fuzz/CMakeLists.txt lists (EDGEID_FUZZ_TARGETS). The working corpora
# (build/fuzz/corpus-work/<target>) keep growing across runs; fuzz/corpus is never written.
# Crash, leak, timeout and OOM inputs land in build/fuzz/artifacts/<target>/ and make the script
# exit non-zero, naming the target and the input; copy the small ones into
# fuzz/corpus/<target>/ so that the ctest replay keeps them as regression tests. The last line
# is "fuzz: N passed, N failed". EDGEID_JOBS limits the build's parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds per target]" >&2
  exit 2
fi

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones, as in scripts/test.sh.
export CCACHE_BASEDIR="$PWD"

build_dir=build/fuzz

echo "== Preset fuzz: configure and build"
cmake --preset fuzz >/dev/null
mapfile -t targets <"$build_dir/fuzz/targets.txt"
build_args=()
if [ -n "${EDGEID_JOBS:-}" ]; then build_args=(-j "$EDGEID_JOBS"); fi
# Only the fuzz targets and the libraries they link: the rest of the tree is not fuzzed, and
# need not build under clang with sanitizers for fuzzing to work.
if ! cmake --build --preset fuzz "${build_args[@]}" --target "${targets[@]}"; then
  echo "fuzz: 0 passed, ${#targets[@]} failed (the build failed)"
  exit 1
fi

# UBSan only reports by default; undefined behaviour must stop the run like a crash, so that
# libFuzzer saves the input.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

mkdir -p "$build_dir/logs"
summary=()
failures=()
passed=0
for name in "${targets[@]}"; do
  work="$build_dir/corpus-work/$name"
  artifacts="$build_dir/artifacts/$name"
  log="$build_dir/logs/$name.log"
  mkdir -p "$work" "$artifacts"
  cp fuzz/corpus/"$name"/* "$work"/

  echo "== $name: ${seconds}s (log: $log)"
  # In a subshell, so that the shell's "Aborted" notice for a crashed fuzzer goes to the log.
  rc=0
  ("$build_dir/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work"; exit $?) >"$log" 2>&1 || rc=$?

  artifact=""
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)
  corpus=$(find "$work" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok
    passed=$((passed + 1))
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    case "$(basename "${artifact:-none}")" in
      crash-*) result=CRASH ;;
      leak-*) result=LEAK ;;
      timeout-*) result=TIMEOUT ;;
      oom-*) result=OOM ;;
      *) result="FAILED(rc=$rc)" ;;
    esac
    failures+=("$name: $result${artifact:+, input $artifact}, log $log")
    grep -m 1 -E '^SUMMARY:|^fuzz invariant violated' "$log" | sed 's/^/   /' || true
  fi
  summary+=("$(printf '%-20s %-8s execs=%-10s cov=%-6s corpus=%s' \
    "$name" "$result" "${execs:-?}" "${cov:-?}" "$corpus")${artifact:+  $artifact}")
done

echo "== Summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
for failure in "${failures[@]}"; do echo "FAILED $failure"; done
echo "fuzz: $passed passed, ${#failures[@]} failed"
[ ${#failures[@]} -eq 0 ]
