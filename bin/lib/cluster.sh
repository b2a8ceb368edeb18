#!/usr/bin/env bash
# bin/hotvisor cluster up [--nodes 3] [--dir cluster] [--gateway-port 8090]
#   starts redis-server (AOF: appendonly yes, appendfsync everysec), N nodes and a gateway on loopback; logs, pids,
#   ports and the admin key in --dir; prints the gateway's URL and the admin key.
# bin/hotvisor cluster down [--dir cluster]
#   stops them (SIGTERM: nodes leave the cluster, Redis writes its AOF), SIGKILL after 30 s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cmd="$1"; shift
nodes=3 dir="cluster" gport=8090
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --gateway-port) gport="$2"; shift 2 ;;
    *) echo "hotvisor cluster: unknown option '$1' (use --nodes N, --dir DIR, --gateway-port P)" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_file() { # file pid what
  for _ in $(seq 1 600); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "hotvisor cluster: $3 failed to start; see its log in $dir" >&2; return 1; }
    sleep 0.2
  done
  echo "hotvisor cluster: $3 did not start within 120 s" >&2; return 1
}

down() {
  local f pid
  for f in "$dir"/gateway.pid "$dir"/node-*.pid "$dir"/redis.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && { echo "hotvisor cluster: $(basename "$f" .pid) did not stop; killing it" >&2; kill -9 "$pid"; }
    fi
    rm -f "$f"
  done
  echo "Cluster in $dir stopped" >&2
}

up() {
  command -v redis-server >/dev/null || { echo "hotvisor cluster: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
  if ls "$dir"/*.pid >/dev/null 2>&1; then
    echo "hotvisor cluster: $dir has a running cluster (pid files); 'bin/hotvisor cluster down --dir $dir' first" >&2; exit 1
  fi
  local key="${HOTVISOR_ADMIN_KEY:-}"
  if [ -z "$key" ]; then
    key="$( [ -f "$dir/admin-key" ] && cat "$dir/admin-key" || echo "hv-admin-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')")"
  fi
  (umask 077; printf '%s' "$key" > "$dir/admin-key")
  local rport; rport="$(free_port)"
  mkdir -p "$dir/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync everysec \
    --save "" --daemonize no > "$dir/redis.log" 2>&1 &
  echo $! > "$dir/redis.pid"
  for _ in $(seq 1 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local redis="redis://127.0.0.1:$rport" i port
  for i in $(seq 1 "$nodes"); do
    port="$(free_port)"
    rm -f "$dir/node-$i.port"
    HOTVISOR_ADMIN_KEY="$key" "$ROOT/bin/hotvisor" node --port "$port" --data-dir "$dir/node-$i" --redis "$redis" \
      --node-id "node-$i" --port-file "$dir/node-$i.port" > "$dir/node-$i.log" 2>&1 &
    echo $! > "$dir/node-$i.pid"
  done
  rm -f "$dir/gateway.port"
  HOTVISOR_ADMIN_KEY="$key" "$ROOT/bin/hotvisor" gateway --redis "$redis" --port "$gport" \
    --port-file "$dir/gateway.port" > "$dir/gateway.log" 2>&1 &
  echo $! > "$dir/gateway.pid"
  for i in $(seq 1 "$nodes"); do wait_file "$dir/node-$i.port" "$(cat "$dir/node-$i.pid")" "node-$i" || { down; exit 1; }; done
  wait_file "$dir/gateway.port" "$(cat "$dir/gateway.pid")" gateway || { down; exit 1; }
  local url="http://127.0.0.1:$(cat "$dir/gateway.port")"
  printf 'HOTVISOR_URL=%s\nHOTVISOR_KEY=%s\nREDIS=%s\n' "$url" "$key" "$redis" > "$dir/env"
  chmod 600 "$dir/env"
  echo "Cluster up: Redis $redis (AOF), $nodes nodes, gateway $url; logs and pids in $dir" >&2
  echo "Gateway: $url"
  echo "Admin key: $key"
  echo "Try: HOTVISOR_URL=$url HOTVISOR_KEY=\$(cat $dir/admin-key) bin/hotvisor cluster status" >&2
}

case "$cmd" in
  up) up ;;
  down) down ;;
esac
