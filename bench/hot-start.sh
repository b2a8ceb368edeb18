#!/usr/bin/env bash
# Hot starts on a node that joins a fleet (issue 6): 3 nodes with the functions hot on node 1, then a node 4 joins
# with no mechanism, each mechanism alone, all; its first invocations of each function vs the fleet's steady state:
#   bench/hot-start.sh            full: the first 200 invocations, JavaScript, Python and Java, word count and JSON
#                                 transform, configurations none, none-gateway, warm-up, aot, routing, all (about an
#                                 hour on 2 loaded cores)
#   bench/hot-start.sh --quick    the first 30 invocations, the same functions and configurations
#   options after the mode: --invocations N --steady N --warm-min N --warm-max N --languages js,python,java
#     --functions word-count,json-transform --mechanisms warm-up,aot,routing (others known: warm-up-alongside,
#     warm-up-no-recheck, sampled, eager-compile, criu) --configs none,none-gateway,<mechanism>,all --out DIR
# A configuration is HotStartMechanism.KNOWN's entries switched on or off; routing and none-gateway send the
# traffic through a gateway (every call measured, with node 4's share).
# Results (MODE quick or full): bench/results/hot-start-MODE.{json,csv} (per configuration and function),
# hot-start-MODE-invocations.{json,csv}, hot-start-MODE.png, README-hot-start-MODE.md (command, machine, date inside;
# notes-hot-start.md appended if present).
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the build. Needs redis-server.
# HOTVISOR_BENCH_NODE_JAVA_OPTS: JVM options added to every node's and gateway's (after -Xmx1g), e.g.
#   "-Xlog:deoptimization=debug:file=/tmp/deopt-%p.log" for HotSpot's deoptimizations, one file per process.
# HOTVISOR_BENCH_KEEP_WORK=1 keeps the run's work directory (every node's log and data), and prints where it is.
# HOTVISOR_BENCH_NODE_ARGS: options added to every node's command line, e.g. "--engine-per-function python" (named
#   in the results' command).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_need_redis
bench_build hotvisor-node,hotvisor-cli,hotvisor-bench,examples/bench-functions
export HOTVISOR_BENCH_COMMAND="bench/hot-start.sh $*" HOTVISOR_JAVA_OPTS="${HOTVISOR_JAVA_OPTS:-} -Dhotvisor.root=$ROOT"
cd "$ROOT"
bench_exec HotStartBench "$@"
