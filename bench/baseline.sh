#!/usr/bin/env bash
# The one-process-per-instance baseline (OpenWhisk's execution model) with a Hotvisor node's HTTP API:
#   bench/baseline.sh [--port P] [--port-file F] [--keep-alive 10m] [--memory-cap-mb 256] [--max-instances N]
#                     [--work-dir D] [--aot]
# See io.hotvisor.bench.BaselineServer. Builds nothing unless BUILD=1 (then ./mvnw package -pl hotvisor-bench -am).
# Env: HOTVISOR_BUILD_DIR (default target), BASELINE_JAVA_OPTS (the front server's JVM options; default
# -Xmx128m -XX:+UseSerialGC: it only routes requests, and its RSS is counted in the stats).
# Needs node and python3 on the PATH for JavaScript and Python functions; Java instances run this JDK 25.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
# Started by the benchmarks, already built: bench_build only when asked for.
if [ "${BUILD:-0}" = 1 ]; then SKIP_BUILD=0 bench_build hotvisor-bench; fi
# The module's compiled classes (current even while its own tests run, before it is packaged), else its jar.
if [ -f "$BENCH/classes/io/hotvisor/bench/BaselineServer.class" ]; then CLASSES="$BENCH/classes"
else CLASSES="$BENCH/hotvisor-bench.jar"; fi
if [ ! -e "$CLASSES" ] || [ ! -d "$BENCH/lib" ]; then
  echo "baseline: hotvisor-bench is not built under $BENCH; build it (BUILD=1 bench/baseline.sh, or" \
       "./mvnw package -DskipTests -pl hotvisor-bench -am)" >&2
  exit 1
fi
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" ${BASELINE_JAVA_OPTS:--Xmx128m -XX:+UseSerialGC} --sun-misc-unsafe-memory-access=allow \
  -cp "$CLASSES:$BENCH/lib/*" io.hotvisor.bench.BaselineServer "$@"
