#!/bin/sh
# Packs the build in BUILD_DIR into a .deb (CPack, into a temporary directory) and runs lintian on it: no error
# and no warning allowed. CTest runs it on the dev build; scripts/lintian.sh on a release build.
set -eu
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
package=$(ls "$work"/cachescope_*.deb)
lintian --fail-on error,warning --tag-display-limit 0 "$package"
echo "$(basename "$package"): lintian reports no error and no warning"
