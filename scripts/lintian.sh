#!/usr/bin/env bash
# Builds the Debian package (CPack, release preset unless another is named) and checks it with lintian: no errors
# allowed. Warnings are printed for a person to read. Not part of CI (a build of its own); run it before a release.
# Usage: scripts/lintian.sh [PRESET]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
preset=${1:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" --target all package
package=$(ls -t build-"$preset"/cachescope_*.deb | head -1)
echo "lintian $package" >&2
lintian --fail-on error,warning --tag-display-limit 0 "$package"
