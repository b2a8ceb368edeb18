#!/usr/bin/env bash
# Benchmark 1 (density): ops/s per GB of memory, a Hotvisor node vs the one-process-per-instance baseline
# (bench/baseline.sh), same functions on both sides. See io.hotvisor.bench.DensityBench.
#   bench/density.sh --quick     (default) hello world in JS/Python/Java, 4 connections, 3 s warm-up + 5 s per run
#   bench/density.sh --full      the same with 1, 4 and 16 connections, 10 s warm-up + 20 s per run
#   bench/density.sh --smoke     1 s runs: checks both sides answer correctly (numbers meaningless)
#   bench/density.sh --report-only   remake README-density.md and density.png from density.json
# Extra options: --functions hello --languages js,python,java --connections 1,4 --node-heap 1g --out DIR.
# Writes bench/results/density.{json,csv,png} and README-density.md. Needs wrk, node, python3 (installed with
# apt-get when missing and root). Env: HOTVISOR_BUILD_DIR (default target), SKIP_BUILD=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/jdk.sh"
BUILD_DIR="${HOTVISOR_BUILD_DIR:-target}"
export HOTVISOR_BUILD_DIR="$BUILD_DIR"
BENCH="$ROOT/hotvisor-bench/$BUILD_DIR"
for tool in wrk node python3; do
  if ! command -v "$tool" >/dev/null; then
    pkg="$tool"; [ "$tool" = node ] && pkg=nodejs
    [ "$(id -u)" = 0 ] || { echo "bench: $tool is missing: apt-get install -y $pkg" >&2; exit 1; }
    apt-get install -y "$pkg" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$pkg" >/dev/null; }
  fi
done
if [ "${SKIP_BUILD:-0}" != 1 ] && [ "${1:-}" != --report-only ]; then
  echo "Building the node, the examples and hotvisor-bench (./mvnw package -DskipTests)..." >&2
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl hotvisor-node,hotvisor-bench,examples/java-functions -am \
     -Dhotvisor.build.dir="$BUILD_DIR") >&2
fi
cd "$ROOT"
main=io.hotvisor.bench.DensityBench
if [ "${1:-}" = --report-only ]; then main=io.hotvisor.bench.DensityReport; shift; fi
exec "$JAVA_HOME/bin/java" -Xmx256m -Djava.awt.headless=true "-Dhotvisor.root=$ROOT" "-Dhotvisor.build.dir=$BUILD_DIR" \
  "-Dhotvisor.bench.command=bench/density.sh $*" --sun-misc-unsafe-memory-access=allow \
  -cp "$BENCH/hotvisor-bench.jar:$BENCH/lib/*" "$main" "$@"
