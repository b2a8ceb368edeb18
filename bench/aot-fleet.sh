#!/usr/bin/env bash
# Java worker JVMs start hot across a cluster (AOT caches shared through Redis):
#   bench/aot-fleet.sh [--smoke] [--out DIR]
# redis-server and real nodes (bin/hotvisor node --redis ...) on loopback: node 1 trains a Java function's AOT cache
# (isolation process) and shares it; then a node with --aot-share on, one with it off and one with AOT caches off join
# and take their first 10 invocations in turn. Full: training on 10 and on 100 invocations, 2 rounds each; --smoke:
# training on 10, 1 round (env TRAININGS="10 100" and ROUNDS override). Results: bench/results/aot-fleet.{json,csv} (command, machine, date inside).
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the build. Needs redis-server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_need_redis
bench_build hotvisor-node,hotvisor-bench
export HOTVISOR_BENCH_COMMAND="bench/aot-fleet.sh $*" HOTVISOR_JAVA_OPTS="${HOTVISOR_JAVA_OPTS:-} -Dhotvisor.root=$ROOT"
cd "$ROOT"
bench_exec AotFleetBench "$@"
