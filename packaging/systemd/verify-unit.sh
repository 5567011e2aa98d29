#!/bin/sh
# Checks cachectl-serve.service with systemd-analyze verify (unknown keys, bad values, a missing binary), the
# unit pointing at the built cachectl, and that its sandboxing directives stay in place.
# Usage: verify-unit.sh UNIT_FILE BUILT_CACHECTL
set -eu
unit=$1
cachectl=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/bin/cachectl#$cachectl#" "$unit" >"$work/cachectl-serve.service"
systemd-analyze verify --man=no "$work/cachectl-serve.service" 2>"$work/log" || { cat "$work/log"; exit 1; }
if [ -s "$work/log" ]; then
    cat "$work/log"
    exit 1
fi
for directive in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    'CapabilityBoundingSet=$' RestrictAddressFamilies= SystemCallFilter=@system-service LoadCredential=admin.token \
    LoadCredential=metrics.token; do
    grep -q "^$directive" "$unit" || { echo "missing: $directive"; exit 1; }
done
echo "cachectl-serve.service: verified"
