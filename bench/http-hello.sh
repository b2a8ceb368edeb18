#!/usr/bin/env bash
# Hello world over HTTP on a real node, per language (JavaScript, Python, Java):
#   bench/http-hello.sh            build, start a node on a free port with a temp data dir, deploy hello-{js,python,java},
#                                  measure, write bench/results/http-hello.csv and refresh bench/results/README-node.md
#   bench/http-hello.sh --smoke    the same with 2 s runs (numbers meaningless)
# Load generator: wrk (Debian package; installed here with apt-get when missing, which needs root). wrk is closed-loop
# (each connection sends its next request when the previous answer arrives): there is no wrk2 in Debian, so
#   "max-cN" = throughput with N connections for each N in $CONNECTIONS (default "4 16") on $THREADS threads (default 2);
#             the maximum throughput is the best of these rows (on 2 cores, more connections can mean less throughput);
#   "fixed" = latency at a fixed load of ONE connection, one request in flight at a time (offered load = 1 outstanding
#             request, i.e. as fast as one client in series, not a fixed request rate).
#   "paced-R" = latency at a fixed offered rate of about R requests/s ($RATE, default 500): 10 connections, each
#             waiting 10000/R ms between requests (wrk's delay() hook), so the offered rate holds while the node keeps
#             up; the achieved rate is recorded beside it.
# wrk runs on the same machine as the node and competes with it for the CPU.
# Env: HOTVISOR_BUILD_DIR (default target), SKIP_BUILD=1, DURATION (s per run, default 20), CONNECTIONS, THREADS,
#      OUT (default bench/results), HOTVISOR_ADMIN_KEY (default: a random key for this run; the node is started with it
#      and every request sends 'Authorization: Bearer $KEY').
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
BUILD_DIR="$HOTVISOR_BUILD_DIR"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-4 16}"
RATE="${RATE:-500}"
THREADS="${THREADS:-2}"
OUT="${OUT:-$ROOT/bench/results}"
SMOKE=false
if [ "${1:-}" = --smoke ]; then SMOKE=true; DURATION=2; WARMUP=2; fi

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk (apt-get install -y wrk)..." >&2
  if [ "$(id -u)" != 0 ]; then echo "bench: wrk is missing and installing it needs root: apt-get install -y wrk" >&2; exit 1; fi
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

bench_build hotvisor-node,hotvisor-cli,hotvisor-bench,examples/java-functions

TMP="$(mktemp -d)"
NODE_PID=""
cleanup() {
  local rc=$?
  # On failure keep the end of the node's log (all of it can be tens of MB: the node logs every invocation).
  if [ "$rc" != 0 ] && [ -f "$TMP/node.log" ]; then
    mkdir -p "$OUT" && tail -200 "$TMP/node.log" >"$OUT/http-hello-node.log" || true
  fi
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# The admin key of this run's node: every API call needs one.
KEY="${HOTVISOR_ADMIN_KEY:-bench-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}"
AUTH="Authorization: Bearer $KEY"
# bin/hotvisor execs java, so $! is the node's JVM. --java-scan warn: this benchmark measures in-node Java, and the
# example fat jar's commons-lang3 trips the deploy-time scan (enforced by default; see docs/security.md).
HOTVISOR_ADMIN_KEY="$KEY" "$ROOT/bin/hotvisor" node --port 0 --port-file "$TMP/port" --data-dir "$TMP/data" \
  --java-scan warn >"$TMP/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 600); do
  [ -s "$TMP/port" ] && break
  kill -0 "$NODE_PID" 2>/dev/null || { echo "bench: the node failed to start:" >&2; cat "$TMP/node.log" >&2; exit 1; }
  sleep 0.2
done
[ -s "$TMP/port" ] || { echo "bench: the node did not start within 120 s" >&2; cat "$TMP/node.log" >&2; exit 1; }
URL="http://127.0.0.1:$(cat "$TMP/port")"
sleep 0.5
TRUFFLE="$(grep -o 'Truffle: [^),]*' "$TMP/node.log" | head -1 | sed 's/Truffle: //')"
echo "Node up on $URL (Truffle: ${TRUFFLE:-unknown})" >&2

deploy() { # name, JSON body
  local status
  rm -f "$TMP/deploy.out"
  status="$(curl -s -o "$TMP/deploy.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -H "$AUTH" \
            --data-binary @- "$URL/v1/functions/$1" <<<"$2")"
  case "$status" in
    200|201) return 0 ;;
    *) echo "bench: deploying $1 failed (HTTP $status): $(cat "$TMP/deploy.out" 2>/dev/null)" >&2
       kill -0 "$NODE_PID" 2>/dev/null || { echo "bench: the node died; its log:" >&2; tail -40 "$TMP/node.log" >&2; exit 1; }
       return 1 ;;
  esac
}

NOTES=""
LANGS=()
deploy hello-js "$(jq -n --arg code "exports.handler = async (event, context) => ({hello: (event && event.name) || 'world'});" \
  '{language: "javascript", handler: "index.handler", code: $code}')" && LANGS+=(js)
deploy hello-python "$(jq -n --arg code $'def handler(event, context):\n    return {"hello": event.get("name", "world") if isinstance(event, dict) else "world"}\n' \
  '{language: "python", handler: "main.handler", code: $code}')" && LANGS+=(python)
JAR=""
for j in "$ROOT/examples/java-functions/$BUILD_DIR/hotvisor-example-java-functions.jar" \
         "$ROOT/examples/java-functions/target/hotvisor-example-java-functions.jar"; do
  [ -f "$j" ] && { JAR="$j"; break; }
done
if [ -n "$JAR" ]; then
  jq -n --rawfile b64 <(base64 -w0 "$JAR") \
    '{language: "java", handler: "io.hotvisor.examples.HelloLambda::handleRequest", archive: $b64}' >"$TMP/java.json"
  deploy hello-java "$(cat "$TMP/java.json")" && LANGS+=(java)
  NOTES="java = HelloLambda (RequestHandler) from ${JAR#"$ROOT"/}"
else
  NOTES="java skipped: examples/java-functions jar missing (build examples/java-functions)"
  echo "bench: $NOTES" >&2
fi

cat >"$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("WRKRESULT,%d,%.2f,%.1f,%.3f,%.3f,%.3f,%.3f,%d\n", summary.requests, seconds,
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

# The same script, pacing each of 10 connections to RATE/10 requests/s.
{ cat "$TMP/post.lua"; echo "delay = function() return $((10000 / RATE)) end"; } >"$TMP/paced.lua"

ROWS=()
for lang in "${LANGS[@]}"; do
  fn="$URL/v1/functions/hello-$lang/invoke"
  curl -sf -X POST -H 'Content-Type: application/json' -H "$AUTH" -d '{"name":"bench"}' "$fn" >/dev/null \
    || { echo "bench: hello-$lang does not answer: $(curl -s -X POST -H "$AUTH" -d '{}' "$fn")" >&2; NOTES="$NOTES; $lang failed to invoke"; continue; }
  echo "== $lang: warm-up ${WARMUP}s" >&2
  wrk -t"$THREADS" -c16 -d"${WARMUP}s" -s "$TMP/post.lua" "$fn" >/dev/null
  for c in $CONNECTIONS; do
    echo "== $lang: throughput, $c connections, ${DURATION}s" >&2
    r="$(wrk -t"$THREADS" -c"$c" -d"${DURATION}s" -s "$TMP/post.lua" "$fn" | grep '^WRKRESULT' | cut -d, -f2-)"
    ROWS+=("$lang,max-c$c,$THREADS,$c,$r"); echo "   $r" >&2
  done
  echo "== $lang: fixed load, 1 connection, ${DURATION}s" >&2
  r="$(wrk -t1 -c1 -d"${DURATION}s" -s "$TMP/post.lua" "$fn" | grep '^WRKRESULT' | cut -d, -f2-)"
  ROWS+=("$lang,fixed-1conn,1,1,$r"); echo "   $r" >&2
  echo "== $lang: fixed offered rate ~${RATE}/s, 10 paced connections, ${DURATION}s" >&2
  r="$(wrk -t1 -c10 -d"${DURATION}s" -s "$TMP/paced.lua" "$fn" | grep '^WRKRESULT' | cut -d, -f2-)"
  ROWS+=("$lang,paced-${RATE}rps,1,10,$r"); echo "   $r" >&2
done

if [ "${#ROWS[@]}" = 0 ]; then
  echo "bench: nothing measured; $OUT/http-hello.csv left as it was (end of the node log: $OUT/http-hello-node.log)" >&2
  exit 1
fi
mkdir -p "$OUT"
{
  echo "# benchmark: http-hello"
  echo "# command: bench/http-hello.sh $* (DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS HOTVISOR_BUILD_DIR=$BUILD_DIR); node: bin/hotvisor node --port 0 --port-file F --data-dir D"
  echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# machine: nproc=$(nproc), $(grep MemTotal /proc/meminfo | tr -s ' '), $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  echo "# loadavg_at_end: $(cat /proc/loadavg)"
  echo "# truffle_runtime: ${TRUFFLE:-unknown}"
  echo "# smoke: $SMOKE"
  echo "# load generator: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), closed-loop, on the same machine as the node; max-cN = $THREADS threads x N connections (N in: $CONNECTIONS), max throughput = best of these; fixed-1conn = 1 connection, one request in flight (not a fixed request rate: wrk2 is not in Debian); paced-Rrps = fixed offered rate of about R/s from 10 connections paced by wrk's delay() (rps column = achieved rate); ${WARMUP}s warm-up (16 connections) per function before measuring"
  echo "# request: POST /v1/functions/hello-{lang}/invoke body {\"name\":\"bench\"}; errors = connect+read+write+timeout+non-2xx"
  echo "# notes: $NOTES"
  echo "language,run,threads,connections,requests,duration_s,rps,p50_ms,p90_ms,p99_ms,max_ms,errors"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT/http-hello.csv"
echo "Wrote $OUT/http-hello.csv" >&2
SKIP_BUILD=1 "$ROOT/bench/sandbox.sh" BenchReport --out "$OUT" || echo "bench: could not refresh README-node.md" >&2
