#!/usr/bin/env bash
# The TTL what-if checked by replay (issue 31): cachesim with a fixed seed at the routes' TTLs under a miss watch,
# which predicts each route's hit rate at FACTOR× (2: a raise, from the expired misses' lateness; 0.5: a lowering,
# from the hits' remaining life that cachesim's cache manager records); then the same seeded run at FACTOR× under a
# second watch, which measures it. Prints predicted against measured per route with at least 1,000 lookups (goal:
# within ±2 points) and the predicted memory against the measured memory of the routes (goal: within ±15 %).
# Usage: bench/whatif-replay.sh BUILD_DIR [SECONDS] [RATE] [FACTOR]
set -euo pipefail
build=${1:?build directory}
seconds=${2:-90}
rate=${3:-400}
factor=${4:-2}
cachectl=$build/app/cachectl/cachectl
cachesim=$build/app/cachesim/cachesim
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no --daemonize yes \
    --pidfile "$work/redis.pid" --logfile "$work/redis.log"
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Short TTLs, so that a run of a minute or two sees many expiries; no grace (the Redis TTL is the route's).
set_ttls() { # factor; rounded as the what-if rounds its TTLs (half away from zero), at least 1 s
    for rule in /api/events:10 /api/venues:20 /api/tickets/availability:5 /api/search:8; do
        local ttl
        ttl=$(python3 -c "import math; print(max(1, math.floor(${rule##*:} * $1 + 0.5)))")
        "$cachectl" -p "$port" routes set "${rule%%:*}" --ttl "$ttl" >/dev/null
    done
}
run() { # name
    "$cachectl" -p "$port" misses --seconds $((seconds + 2)) --enable-events --what-if --grace 0 --json \
        >"$work/$1.json" 2>"$work/$1.err" &
    local watch=$!
    sleep 1.5
    "$cachesim" -p "$port" --seed 7 --rate "$rate" --duration "$seconds" --grace 0 --json >"$work/$1-sim.json"
    # What each route's entries take at the end (MEMORY USAGE of every key: no keyspace lookup), at once: entries
    # expire unreplaced once the traffic stops, the shorter-lived ones first.
    "$cachectl" -p "$port" analyze --no-ttl --json >"$work/$1-analysis.json"
    wait "$watch"
}
set_ttls 1
run base
redis-cli -p "$port" flushall >/dev/null
set_ttls "$factor"
run doubled
if [[ -n ${KEEP_DIR:-} ]]; then mkdir -p "$KEEP_DIR" && cp "$work"/*.json "$KEEP_DIR"/; fi # for a closer look
python3 - "$work" "$factor" <<'EOF'
import json, math, sys
work = sys.argv[1]
factor = float(sys.argv[2])
scaled = lambda ttl: max(1, math.floor(ttl * factor + 0.5))
base = json.load(open(f"{work}/base.json"))
doubled = json.load(open(f"{work}/doubled.json"))
def sim_lookups(path):
    sim = json.load(open(path))
    return {r["route"]: r["hits"] + r["misses"] for r in sim["routes"]}
base_lookups = sim_lookups(f"{work}/base-sim.json")
doubled_lookups = sim_lookups(f"{work}/doubled-sim.json")
print(f"{'route':34} {'lookups':>8} {'now':>7} {f'predicted {factor:g}x':>13} {f'measured {factor:g}x':>12} {'error':>7}")
worst = 0.0
for route, rows in sorted(base["whatIf"]["route"].items()):
    lookups = base_lookups.get(route, 0)
    if lookups < 1000:
        continue
    now = next(r for r in rows if r["current"])
    twice = next(r for r in rows if r["ttlSeconds"] == scaled(now["ttlSeconds"]))
    misses = doubled["groups"]["route"].get(route, {}).get("misses", 0)
    measured = 1 - misses / doubled_lookups[route] if doubled_lookups.get(route) else float("nan")
    if twice["hitRate"] is None:
        print(f"{route:34} {lookups:8} {'':>7} {'needs ' + twice.get('needs', '?'):>13}")
        continue
    error = (twice["hitRate"] - measured) * 100
    worst = max(worst, abs(error))
    print(f"{route:34} {lookups:8} {now['hitRate'] * 100:6.1f}% {twice['hitRate'] * 100:12.1f}% "
          f"{measured * 100:11.1f}% {error:+6.1f}")
print(f"worst error {worst:.1f} points (goal <= 2)")
routes_bytes = lambda name: {label: group["bytes"] for label, group in
                             json.load(open(f"{work}/{name}-analysis.json"))["groups"]["route"].items()}
base_bytes, doubled_bytes = routes_bytes("base"), routes_bytes("doubled")
print(f"{'route':34} {'bytes now':>10} {f'predicted {factor:g}x':>13} {f'measured {factor:g}x':>12} {'error':>7}")
for route, rows in sorted(base["whatIf"]["route"].items()):
    now = next(r for r in rows if r["current"])
    twice = next(r for r in rows if r["ttlSeconds"] == scaled(now["ttlSeconds"]))
    if twice.get("extraBytes") is None or route not in base_bytes:
        continue
    predicted = base_bytes[route] + twice["extraBytes"]
    measured = doubled_bytes.get(route, 0)
    print(f"{route:34} {base_bytes[route]:10.0f} {predicted:13.0f} {measured:12.0f} "
          f"{(predicted - measured) / measured * 100 if measured else float('nan'):+6.1f}%")
EOF
