#!/usr/bin/env bash
# The README's second command: installs what is needed, builds and runs every test through
# ctest. With no argument it fuzzes every libFuzzer target for a few seconds (the fuzz preset,
# EDGEID_FUZZ_SECONDS each, default 5; 0 skips it), then runs the release preset and then the
# ASan+UBSan preset; name presets to choose (fuzz, release, debug, asan, tsan), e.g.
# `scripts/test.sh tsan`. Fuzzing goes first so that the output ends with ctest's own summary.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
fuzz_seconds="${EDGEID_FUZZ_SECONDS:-5}"
if ! [[ "$fuzz_seconds" =~ ^[0-9]+$ ]]; then
  echo "EDGEID_FUZZ_SECONDS must be a whole number of seconds, not \"$fuzz_seconds\"" >&2
  exit 2
fi
presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
  presets=(release asan)
  [ "$fuzz_seconds" -eq 0 ] || presets=(fuzz "${presets[@]}")
fi

status=0
for preset in "${presets[@]}"; do
  if [ "$preset" = fuzz ]; then
    # A crash fails the run, but the other presets still build and test.
    scripts/fuzz.sh "$((fuzz_seconds > 0 ? fuzz_seconds : 5))" || status=1
    continue
  fi
  echo "== Preset $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== Preset $preset: tests"
  ctest --preset "$preset" -j "$(nproc)" || status=1
done
exit $status
