#!/usr/bin/env bash
# Benchmark 1 (density): ops/s per GB of memory, a Hotvisor node vs the one-process-per-instance baseline
# (bench/baseline.sh), same functions on both sides. See io.hotvisor.bench.DensityBench.
#   bench/density.sh --quick     (default) all functions (hello, graph, file-hashing, compression, dynamic-html,
#                                thumbnail) in JS/Python/Java, 4 connections, 3 s warm-up + 5 s per run
#   bench/density.sh --full      the same with 1, 4, 8 (the Graalvisor paper's setting: 8 clients for Hotvisor, so 8
#                                one-request instances for the baseline) and 16 connections; each function first warmed with up
#                                to 400 sequential calls until its latency is steady, then 10 s of wrk warm-up + 20 s per run
#   bench/density.sh --smoke     hello world only, 3 s runs: checks both sides answer correctly (numbers meaningless)
#   bench/density.sh --report-only   remake README-density.md and density.png from density.json
# Extra options: --functions hello --languages js,python,java --connections 1,4 --node-heap 1g --warmup-calls N --out DIR.
# Writes bench/results/density.{json,csv,png} and README-density.md. Needs wrk, node, npm, /usr/bin/python3 with
# python3-jinja2 and python3-png (installed with apt-get when missing and root). The JavaScript libraries (pako,
# mustache, upng-js: bench/functions/js/package-lock.json) are fetched with npm ci into $HOTVISOR_BENCH_CACHE
# (default ~/.cache/hotvisor-bench). Env: HOTVISOR_BUILD_DIR (default target), SKIP_BUILD=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
missing=()
for need in wrk:wrk node:nodejs npm:npm /usr/bin/python3:python3 /usr/lib/python3/dist-packages/jinja2:python3-jinja2 \
            /usr/lib/python3/dist-packages/png.py:python3-png; do
  command -v "${need%%:*}" >/dev/null || [ -e "${need%%:*}" ] || missing+=("${need#*:}")
done
if [ "${#missing[@]}" != 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: missing, install as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi
CACHE="${HOTVISOR_BENCH_CACHE:-$HOME/.cache/hotvisor-bench}/js"
if ! cmp -s "$ROOT/bench/functions/js/package-lock.json" "$CACHE/package-lock.json" || [ ! -d "$CACHE/node_modules" ]; then
  echo "Fetching the JavaScript functions' libraries (npm ci) into $CACHE..." >&2
  mkdir -p "$CACHE" && cp "$ROOT/bench/functions/js/package.json" "$ROOT/bench/functions/js/package-lock.json" "$CACHE/"
  (cd "$CACHE" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
if [ "${1:-}" != --report-only ]; then
  bench_build hotvisor-node,hotvisor-bench,examples/java-functions,examples/bench-functions
fi
cd "$ROOT"
main=io.hotvisor.bench.DensityBench
if [ "${1:-}" = --report-only ]; then main=io.hotvisor.bench.DensityReport; shift; fi
exec "$JAVA_HOME/bin/java" -Xmx256m -Djava.awt.headless=true "-Dhotvisor.root=$ROOT" "-Dhotvisor.build.dir=$HOTVISOR_BUILD_DIR" \
  "-Dhotvisor.bench.node-modules=$CACHE/node_modules" \
  "-Dhotvisor.bench.command=bench/density.sh $*" --sun-misc-unsafe-memory-access=allow \
  -cp "$BENCH/hotvisor-bench.jar:$BENCH/lib/*" "$main" "$@"
