#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: first a debug build, then the same suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, then each libFuzzer target for a bounded time from its seed
# corpus (clang, ASan+UBSan). Tests start their own redis-server on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
python3 scripts/mutants.py --check # a code edit must not leave a hand-list mutant that no longer applies

jobs=$(nproc)
for preset in dev asan fuzz; do
    echo "=== $preset: configure and build" >&2
    cmake --preset "$preset" -DCACHESCOPE_WARNINGS_AS_ERRORS=ON >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    echo "=== $preset: test" >&2
    ctest --preset "$preset" -j "$jobs"
done
