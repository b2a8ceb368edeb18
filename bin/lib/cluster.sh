#!/usr/bin/env bash
# bin/hotvisor cluster up [--nodes 3] [--dir cluster] [--gateway-port 8090] [--warmth-routing on|off]
#   starts redis-server (AOF: appendonly yes, appendfsync everysec), N nodes and a gateway on loopback; logs, pids,
#   ports and the admin key in --dir; prints the gateway's URL and the admin key. Refuses a --dir where a cluster
#   runs, and a --gateway-port in use (0: any free port). --warmth-routing goes to the gateway (default on).
#   Waits up to $HOTVISOR_START_TIMEOUT s (300) per process.
# bin/hotvisor cluster down [--dir cluster]
#   stops them (SIGTERM: the gateway, then the nodes, which leave the cluster, then Redis, which writes its AOF),
#   SIGKILL after 30 s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
usage="use: bin/hotvisor cluster up [--nodes N] [--dir DIR] [--gateway-port P] [--warmth-routing on|off]"
usage="$usage | cluster down [--dir DIR]"
cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  up|down) ;;
  *) echo "hotvisor cluster: unknown command '$cmd' ($usage)" >&2; exit 2 ;;
esac
nodes=3 dir="cluster" gport=8090 routing=on
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes|--dir|--gateway-port|--warmth-routing)
      [ $# -ge 2 ] || { echo "hotvisor cluster: option $1 needs a value ($usage)" >&2; exit 2; }
      case "$1" in
        --nodes) nodes="$2" ;;
        --dir) dir="$2" ;;
        --gateway-port) gport="$2" ;;
        --warmth-routing) routing="$2" ;;
      esac
      shift 2 ;;
    *) echo "hotvisor cluster: unknown option '$1' ($usage)" >&2; exit 2 ;;
  esac
done
if ! [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || [ "$nodes" -gt 64 ]; then
  echo "hotvisor cluster: --nodes must be a number from 1 to 64; got '$nodes'" >&2; exit 2
fi
if ! [[ "$gport" =~ ^[0-9]+$ ]] || [ "$gport" -gt 65535 ]; then
  echo "hotvisor cluster: --gateway-port must be a port number (0: any free port); got '$gport'" >&2; exit 2
fi
if [ "$routing" != on ] && [ "$routing" != off ]; then
  echo "hotvisor cluster: --warmth-routing must be 'on' or 'off'; got '$routing'" >&2; exit 2
fi
start_timeout="${HOTVISOR_START_TIMEOUT:-300}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port_in_use() { # port
  python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}

# A pid file's process if it still runs and is ours (redis-server or java): a stale file's pid may be reused.
running_pid() { # pid-file
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -Eq 'redis-server|java' || return 1
  echo "$pid"
}

wait_file() { # file pid what
  local deadline=$((SECONDS + start_timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "hotvisor cluster: $3 failed to start; see $dir/$3.log:" >&2; tail -5 "$dir/$3.log" >&2; return 1; }
    sleep 0.2
  done
  echo "hotvisor cluster: $3 did not start within $start_timeout s (HOTVISOR_START_TIMEOUT); see $dir/$3.log" >&2; return 1
}

stop() { # pid-file...: SIGTERM to all, then wait for each (SIGKILL after 30 s)
  local f pid pids=()
  for f in "$@"; do
    if pid="$(running_pid "$f")"; then kill "$pid" 2>/dev/null || true; pids+=("$pid:$f"); fi
  done
  local p deadline=$((SECONDS + 30))
  for p in ${pids[@]+"${pids[@]}"}; do
    pid="${p%%:*}" f="${p#*:}"
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "hotvisor cluster: $(basename "$f" .pid) did not stop within 30 s; killing it" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$@"
}

down() {
  local found=0 f
  for f in "$dir"/*.pid; do [ -e "$f" ] && found=1; done
  if [ "$found" = 0 ]; then
    echo "hotvisor cluster: no cluster in $dir (no pid files); nothing to stop" >&2; return 0
  fi
  stop "$dir"/gateway.pid
  stop "$dir"/node-*.pid
  stop "$dir"/redis.pid
  rm -f "$dir"/*.port
  echo "Cluster in $dir stopped" >&2
}

up() {
  command -v redis-server >/dev/null || { echo "hotvisor cluster: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
  mkdir -p "$dir"
  local f running=()
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    if running_pid "$f" >/dev/null; then running+=("$(basename "$f" .pid)"); else rm -f "$f"; fi
  done
  if [ "${#running[@]}" != 0 ]; then
    echo "hotvisor cluster: a cluster is already running in $dir (${running[*]}); stop it first with" \
      "'bin/hotvisor cluster down --dir $dir', or use another --dir" >&2
    exit 1
  fi
  if [ "$gport" != 0 ] && port_in_use "$gport"; then
    echo "hotvisor cluster: gateway port $gport is in use on 127.0.0.1; choose another with --gateway-port (0: any free port)" >&2
    exit 1
  fi
  local key="${HOTVISOR_ADMIN_KEY:-}"
  if [ -z "$key" ]; then
    key="$( [ -f "$dir/admin-key" ] && cat "$dir/admin-key" || echo "hv-admin-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')")"
  fi
  (umask 077; printf '%s' "$key" > "$dir/admin-key")
  rm -f "$dir"/*.port
  trap 'echo "hotvisor cluster: start interrupted; stopping what was started" >&2; down; exit 1' INT TERM
  local rport; rport="$(free_port)"
  mkdir -p "$dir/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync everysec \
    --save "" --daemonize no > "$dir/redis.log" 2>&1 &
  echo $! > "$dir/redis.pid"
  local ok=0
  for _ in $(seq 1 100); do
    if redis-cli -p "$rport" ping >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$ok" = 0 ]; then
    echo "hotvisor cluster: redis-server did not start on port $rport; see $dir/redis.log:" >&2
    tail -5 "$dir/redis.log" >&2
    down; exit 1
  fi
  local redis="redis://127.0.0.1:$rport" i
  for i in $(seq 1 "$nodes"); do
    HOTVISOR_ADMIN_KEY="$key" "$ROOT/bin/hotvisor" node --port 0 --data-dir "$dir/node-$i" --redis "$redis" \
      --node-id "node-$i" --port-file "$dir/node-$i.port" > "$dir/node-$i.log" 2>&1 &
    echo $! > "$dir/node-$i.pid"
  done
  HOTVISOR_ADMIN_KEY="$key" "$ROOT/bin/hotvisor" gateway --redis "$redis" --port "$gport" --warmth-routing "$routing" \
    --port-file "$dir/gateway.port" > "$dir/gateway.log" 2>&1 &
  echo $! > "$dir/gateway.pid"
  for i in $(seq 1 "$nodes"); do wait_file "$dir/node-$i.port" "$(cat "$dir/node-$i.pid")" "node-$i" || { down; exit 1; }; done
  wait_file "$dir/gateway.port" "$(cat "$dir/gateway.pid")" gateway || { down; exit 1; }
  trap - INT TERM
  local url="http://127.0.0.1:$(cat "$dir/gateway.port")"
  printf 'HOTVISOR_URL=%s\nHOTVISOR_KEY=%s\nREDIS=%s\n' "$url" "$key" "$redis" > "$dir/env"
  chmod 600 "$dir/env"
  echo "Cluster up: Redis $redis (AOF), $nodes nodes, gateway $url; logs and pids in $dir" >&2
  echo "Gateway: $url"
  echo "Admin key: $key"
  echo "Try: HOTVISOR_URL=$url HOTVISOR_KEY=\$(cat $dir/admin-key) bin/hotvisor cluster status" >&2
}

[ -d "$dir" ] || [ "$cmd" = up ] || { echo "hotvisor cluster: no cluster in $dir (no such directory); nothing to stop" >&2; exit 0; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
case "$cmd" in
  up) up ;;
  down) down ;;
esac
