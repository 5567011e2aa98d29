#!/usr/bin/env bash
# Installs what is missing, builds, and shows CacheScope on a throwaway redis-server with live traffic:
# on a desktop, the dashboard (`cachescope --demo`); on a terminal without a display, a cachectl tour.
# `scripts/demo.sh --cli` forces the terminal tour.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target cachectl cachesim cachescope >/dev/null
if [ "${1:-}" != "--cli" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    exec build-release/app/cachescope/cachescope --demo
fi
cachectl=build-release/app/cachectl/cachectl
cachesim=build-release/app/cachesim/cachesim

workdir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || shuf -i 20000-60000 -n 1)
redis-server --port "$port" --bind 127.0.0.1 --dir "$workdir" --save '' --appendonly no --daemonize yes \
    --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log"
cleanup() {
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "redis-server on 127.0.0.1:$port; seeding demo keys…" >&2
{
    routes=("/api/events:600" "/api/venues:1800" "/api/tickets/availability:30")
    for tenant in acme globex initech; do
        for venue in 1 2 3 4 5; do
            for route in "${routes[@]}"; do
                printf 'SET "gateway:response:GET:%s:tenant:%s:venue:v%s" "{\\"items\\":[]}" EX %s\n' \
                    "${route%%:*}" "$tenant" "$venue" "${route##*:}"
            done
            for q in rock jazz opera; do
                printf 'SET "gateway:response:GET:/api/search:q:%s:category:music:tenant:%s:venue:v%s" "[]" EX 300\n' \
                    "$q" "$tenant" "$venue"
            done
        done
        printf 'SET "gateway:response:GET:/api/orders:user:u42:tenant:%s" "[]" EX 60\n' "$tenant"
    done
    for id in $(seq 1 200); do
        printf 'SET events:%s "{\\"id\\":%s,\\"name\\":\\"Concert %s\\"}" EX 300\n' "$id" "$id" "$id"
    done
    for id in $(seq 1 40); do printf 'SET session:s%s "{}" EX 3600\n' "$id"; done
    echo 'SET legacy-counter 7'
    for id in $(seq 1 150); do printf 'GET events:%s\n' "$id"; done
    for id in $(seq 300 350); do printf 'GET events:%s\n' "$id"; done
} | redis-cli -p "$port" >/dev/null

echo >&2
echo "\$ cachesim -p $port --rate 800 --duration 5   # a busy gateway: Zipf routes, venues, users, search terms" >&2
"$cachesim" -p "$port" --rate 800 --duration 5

echo >&2
echo "\$ cachectl -p $port keys" >&2
"$cachectl" -p "$port" keys
echo >&2
echo "\$ cachectl -p $port stats" >&2
"$cachectl" -p "$port" stats
echo >&2
echo "\$ cachectl -p $port stats --by route --window 10" >&2
"$cachectl" -p "$port" stats --by route --window 10
echo >&2
echo "\$ cachectl -p $port get events:42" >&2
"$cachectl" -p "$port" get events:42
echo >&2
echo "\$ cachectl key GET '/api/search?q=rock&category=music' --tenant acme --venue v2" >&2
"$cachectl" key GET '/api/search?q=rock&category=music' --tenant acme --venue v2
echo >&2
echo "\$ cachectl -p $port invalidate 'gateway:response:GET:/api/venues*'   # a dry run: add --yes to delete" >&2
"$cachectl" -p "$port" invalidate 'gateway:response:GET:/api/venues*'
