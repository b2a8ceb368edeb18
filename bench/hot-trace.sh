#!/usr/bin/env bash
# Trace replay with nodes joining and leaving (issue 6): a window of the Azure Functions 2019 trace, its busiest
# functions played by the hot-start bench functions (word count, JSON transform; JavaScript, Python, Java), sent
# through a gateway while node 3 joins, node 1 leaves and node 4 joins; once with the hot-start mechanisms on, once
# off; the fraction of invocations the nodes executed while not hot (io.hotvisor.bench.HotTraceBench):
#   bench/hot-trace.sh            full: 6 trace minutes (781-786) in 4 minutes per side, 1200 calls (about 20 minutes)
#   bench/hot-trace.sh --quick    3 trace minutes in 90 s per side, 300 calls (about 15 minutes)
#   options after the mode: --trace DIR --start MINUTE --minutes N --functions N --calls N --time-compression F
#     --warm-max N --mechanisms warm-up,aot,routing --out DIR
# The trace directory defaults to ../shared/traces/azure2019 (read, never copied). Results (MODE quick or full):
# bench/results/hot-trace-MODE.{json,csv} (per side), hot-trace-MODE-nodes.{json,csv}, hot-trace-MODE-calls.{json,csv},
# hot-trace-MODE.png, README-hot-trace-MODE.md (notes-hot-trace.md appended if present).
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the build. Needs redis-server.
# HOTVISOR_BENCH_NODE_ARGS: options added to every node's command line on both sides, e.g. "--engine-per-function
#   python" (named in the results' command).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_need_redis
bench_build hotvisor-node,hotvisor-cli,hotvisor-bench,examples/bench-functions
args=("$@")
case " $* " in *" --trace "*) ;; *) args+=(--trace "$ROOT/../shared/traces/azure2019") ;; esac
export HOTVISOR_BENCH_COMMAND="bench/hot-trace.sh $*" HOTVISOR_JAVA_OPTS="${HOTVISOR_JAVA_OPTS:-} -Dhotvisor.root=$ROOT"
cd "$ROOT"
bench_exec HotTraceBench "${args[@]}"
