#!/usr/bin/env bash
# Installs what CacheScope needs to build and test, from Debian 12's packages. Safe to run again.
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev libqt6svg6 qtkeychain-qt6-dev
    libhiredis-dev zlib1g-dev
    redis-server redis-tools openssl
    clang libclang-rt-14-dev
    prometheus
    nodejs node-redis librapidcheck-dev
    help2man bash-completion systemd lintian python3
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
