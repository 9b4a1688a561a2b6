#!/usr/bin/env bash
# Rewrites every C++ source in place with the repository's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | xargs -r clang-format -i
