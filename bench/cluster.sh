#!/usr/bin/env bash
# The cluster on this machine (bin/hotvisor cluster up: Redis with AOF, N nodes, a gateway, all on loopback):
#   bench/cluster.sh            for N in $NODES (default "1 2 3"): hello world (JavaScript) throughput through the
#                               gateway with wrk ($CONNS connections, default 16); with N=1 also the gateway's overhead:
#                               one-connection latency p50/p99 through the gateway and straight to the node, same run;
#                               with the largest N the async queue: $ASYNC invocations (default 2000) submitted through
#                               the gateway by 8 client threads, submit rate, drain rate and end-to-end latency
#                               (finishedAt - submittedAt, both stamped by the cluster).
#   Every N gets the same warm-up before anything is measured: $WARMUP s (default 20) of load straight to every
#                               node at once (each node JVM JIT-compiles its own copy of the function and of its
#                               HTTP stack), then $WARMUP s through the gateway; throughput is measured before the
#                               one-connection latency runs (the first version warmed for 5 s only and measured N=1's
#                               throughput after 30 s of latency runs, N=2 and N=3's right after the warm-up).
#                               During the throughput run it records the CPU seconds (utime+stime from /proc) of the
#                               gateway, the nodes, Redis and wrk, the whole machine's busy CPU seconds, the load
#                               average, and how many invocations each node served (its /metrics).
#   bench/cluster.sh --smoke    2 s runs, 200 async invocations (numbers meaningless)
# Writes bench/results/cluster.csv and bench/results/README-cluster.md (command, machine, date).
# Env: HOTVISOR_BUILD_DIR, SKIP_BUILD=1, DURATION (s, default 15), WARMUP (s, default 20), NODES, CONNS, ASYNC,
# OUT (default bench/results).
# Every request sends 'Authorization: Bearer <the cluster's admin key>'. wrk, the gateway, the nodes and Redis all
# share this machine's cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
DURATION="${DURATION:-15}" WARMUP="${WARMUP:-20}" NODES="${NODES:-1 2 3}" CONNS="${CONNS:-16}" ASYNC="${ASYNC:-2000}"
OUT="${OUT:-$ROOT/bench/results}"
if [ "${1:-}" = --smoke ]; then DURATION=2; WARMUP=2; ASYNC=200; fi
command -v wrk >/dev/null || { echo "bench: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
bench_need_redis
bench_build hotvisor-node,hotvisor-cli
TMP="$(mktemp -d)"
DIR=""
cleanup() { [ -n "$DIR" ] && "$ROOT/bin/hotvisor" cluster down --dir "$DIR" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT
mkdir -p "$OUT"
CSV="$OUT/cluster.csv"
echo "nodes,what,value,unit" > "$CSV"

lua() { # method body key -> wrk script
  cat > "$TMP/req.lua" <<LUA
wrk.method = "$1"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $3"
LUA
}
pct() { # wrk --latency output, percentile label (50%|99%) -> ms
  awk -v p="$2" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }; print v }' "$1"
}
rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
non2xx() { awk '/Non-2xx/ { print $NF }' "$1"; }
ticks() { # pids... -> their CPU time (utime+stime, clock ticks), summed; 0 for a pid that is gone
  local p t=0
  for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; } # the machine's busy ticks, all cores
served() { # node url -> invocations of default/hello it has served (its Prometheus counter)
  curl -s -H "Authorization: Bearer $K" "$1/metrics" | awk '/^hotvisor_invocations_total/ && /hello/ { s += $NF } END { printf "%d", s }'
}
HZ="$(getconf CLK_TCK)"
secs() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }'; }

for n in $NODES; do
  DIR="$TMP/cluster-$n"
  "$ROOT/bin/hotvisor" cluster up --nodes "$n" --dir "$DIR" --gateway-port 0 > "$TMP/up.txt"
  . "$DIR/env"
  K="$HOTVISOR_KEY" G="$HOTVISOR_URL" N1="http://127.0.0.1:$(cat "$DIR/node-1.port")"
  curl -sf -X PUT -H "Authorization: Bearer $K" "$G/v1/functions/hello" \
    -d '{"language":"javascript","handler":"index.handler","code":"exports.handler = async (e) => ({hello: e.name || \"world\"})"}' >/dev/null
  for _ in $(seq 1 600); do
    held="$(curl -s -H "Authorization: Bearer $K" "$G/v1/cluster" | python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin)["nodes"] if any(f.startswith("default/hello@") for f in n["functions"])))')"
    [ "$held" -ge "$n" ] && break; sleep 0.2
  done
  lua POST '{"name":"bench"}' "$K"
  # warm-up: every node directly (all at once), then through the gateway; the same for every N
  pids=()
  for i in $(seq 1 "$n"); do
    wrk -t1 -c4 -d"${WARMUP}s" -s "$TMP/req.lua" "http://127.0.0.1:$(cat "$DIR/node-$i.port")/v1/functions/hello/invoke" >/dev/null &
    pids+=($!)
  done
  wait "${pids[@]}"
  wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s "$TMP/req.lua" "$G/v1/functions/hello/invoke" >/dev/null
  gw="$(cat "$DIR/gateway.pid")" rd="$(cat "$DIR/redis.pid")" nds=()
  for i in $(seq 1 "$n"); do nds+=("$(cat "$DIR/node-$i.pid")"); done
  before=()
  for i in $(seq 1 "$n"); do before+=("$(served "http://127.0.0.1:$(cat "$DIR/node-$i.port")")"); done
  echo "$n,load-average-1min-at-start,$(awk '{ print $1 }' /proc/loadavg),runnable" >> "$CSV"
  t0g="$(ticks "$gw")" t0n="$(ticks "${nds[@]}")" t0r="$(ticks "$rd")" t0b="$(busy)"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$TMP/req.lua" "$G/v1/functions/hello/invoke" > "$TMP/tp.txt" &
  wpid=$!
  sleep "$((DURATION - 1))"; t1w="$(ticks "$wpid")" # wrk's CPU just before it exits
  wait "$wpid"
  t1g="$(ticks "$gw")" t1n="$(ticks "${nds[@]}")" t1r="$(ticks "$rd")" t1b="$(busy)"
  echo "$n,throughput-gateway-c$CONNS,$(rps "$TMP/tp.txt"),req/s" >> "$CSV"
  echo "$n,throughput-gateway-c$CONNS-non2xx,$(non2xx "$TMP/tp.txt"),count" >> "$CSV"
  echo "$n,cpu-gateway,$(secs $((t1g - t0g))),s of ${DURATION} s" >> "$CSV"
  echo "$n,cpu-nodes,$(secs $((t1n - t0n))),s of ${DURATION} s" >> "$CSV"
  echo "$n,cpu-redis,$(secs $((t1r - t0r))),s of ${DURATION} s" >> "$CSV"
  echo "$n,cpu-wrk,$(secs "$t1w"),s of ${DURATION} s" >> "$CSV"
  echo "$n,cpu-machine-busy,$(secs $((t1b - t0b))),s of $((DURATION * $(nproc))) s ($(nproc) cores)" >> "$CSV"
  for i in $(seq 1 "$n"); do
    echo "$n,served-by-node-$i,$(( $(served "http://127.0.0.1:$(cat "$DIR/node-$i.port")") - before[i - 1] )),invocations" >> "$CSV"
  done
  if [ "$n" = "$(echo $NODES | awk '{print $1}')" ]; then
    for target in gateway node; do
      url="$G"; [ "$target" = node ] && url="$N1"
      wrk -t1 -c1 -d"${DURATION}s" --latency -s "$TMP/req.lua" "$url/v1/functions/hello/invoke" > "$TMP/lat-$target.txt"
      echo "$n,latency-1conn-$target-p50,$(pct "$TMP/lat-$target.txt" 50%),ms" >> "$CSV"
      echo "$n,latency-1conn-$target-p99,$(pct "$TMP/lat-$target.txt" 99%),ms" >> "$CSV"
      echo "$n,latency-1conn-$target-rps,$(rps "$TMP/lat-$target.txt"),req/s" >> "$CSV"
    done
  fi
  curl -s -H "Authorization: Bearer $K" "$G/v1/cluster" > "$TMP/status-$n.json"
  if [ "$n" = "$(echo $NODES | awk '{print $NF}')" ]; then
    python3 - "$G" "$K" "$ASYNC" "$n" >> "$CSV" <<'PY'
import json, sys, threading, time, urllib.request
from datetime import datetime
g, key, total, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
def call(method, path, body=None):
    req = urllib.request.Request(g + path, data=body, headers=H, method=method)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())
ids, lock = [], threading.Lock()
def submit(k):
    for i in range(k, total, 8):
        r = call("POST", "/v1/functions/hello/invoke?mode=async", b'{"name":"async"}')
        with lock:
            ids.append(r["id"])
t0 = time.time()
ts = [threading.Thread(target=submit, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
t1 = time.time()
done = {}
deadline = time.time() + 600
while len(done) < total and time.time() < deadline:
    for i in ids:
        if i not in done:
            r = call("GET", "/v1/invocations/" + i)
            if r["status"] != "queued":
                done[i] = r
    time.sleep(0.1)
ts_ = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
lat = sorted((ts_(r["finishedAt"]) - ts_(r["submittedAt"])) * 1000 for r in done.values())
first = min(ts_(r["submittedAt"]) for r in done.values()); last = max(ts_(r["finishedAt"]) for r in done.values())
print(f"{n},async-submit-rate-8-clients,{total / (t1 - t0):.0f},req/s")
print(f"{n},async-drain-rate,{len(done) / (last - first):.0f},invocations/s")
print(f"{n},async-e2e-p50,{lat[len(lat) // 2]:.1f},ms")
print(f"{n},async-e2e-p99,{lat[int(len(lat) * 0.99) - 1]:.1f},ms")
print(f"{n},async-completed,{len(done)},of {total}")
PY
  fi
  "$ROOT/bin/hotvisor" cluster down --dir "$DIR" >/dev/null 2>&1
  DIR=""
done

{
  echo "# Cluster benchmark"
  echo
  echo "Command: \`bench/cluster.sh $*\` (DURATION=$DURATION s, WARMUP=$WARMUP s, NODES=\"$NODES\", CONNS=$CONNS, ASYNC=$ASYNC)"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo),"
  echo "$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'); Redis $(redis-server --version | awk '{print $3}'); JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo
  echo "| nodes | what | value | unit |"
  echo "|---|---|---|---|"
  tail -n +2 "$CSV" | awk -F, '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
} > "$OUT/README-cluster.md"
cat "$OUT/README-cluster.md"
