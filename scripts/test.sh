#!/usr/bin/env bash
# The README's second command: installs what is needed, builds and runs every test through
# ctest. With no argument it runs the release preset and then the ASan+UBSan preset; name
# presets to choose (release, debug, asan, tsan), e.g. `scripts/test.sh tsan`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Paths relative to the checkout let ccache reuse objects across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan)

status=0
for preset in "${presets[@]}"; do
  echo "== Preset $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== Preset $preset: tests"
  ctest --preset "$preset" -j "$(nproc)" || status=1
done
exit $status
