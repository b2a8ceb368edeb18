#!/usr/bin/env bash
# Benchmark 2: replays a window of the Azure Functions 2019 trace against a Hotvisor node and against the baseline
# (one process per function instance, OpenWhisk's keep-alive), one after the other (io.hotvisor.bench.TraceBench):
#   bench/trace.sh --mode smoke    seconds: 2 functions, one minute of the trace replayed 6x faster, 1 call in 20
#   bench/trace.sh --mode quick    a few minutes: the 6 busiest functions of minute 781 (100-function sample), 1 call in 4
#   bench/trace.sh --mode full     the paper's 5-minute window (minutes 781-785), all functions of the 100-function sample, 1 call in 2
#   options after the mode override it: --side hotvisor|baseline|both, --trace DIR, --sample 100|1000, --start MINUTE,
#   --minutes N, --functions N, --pick busiest|random, --seed N, --invocation-scale F, --memory-scale F,
#   --max-duration-ms MS, --time-compression F, --keep-alive 10m, --node-heap-mb MB, --out DIR
# The trace directory defaults to ../shared/traces/azure2019 (read, never copied). The baseline is started with
# bench/baseline.sh, or $BASELINE_CMD. Results: bench/results/trace-<mode>.{json,csv}, trace-<mode>-memory.{json,csv,png},
# README-trace-<mode>.md. HOTVISOR_BUILD_DIR (default target) as for bin/hotvisor; SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_build hotvisor-node,hotvisor-cli,hotvisor-bench

args=("$@")
case " $* " in *" --trace "*) ;; *) args=(--trace "$ROOT/../shared/traces/azure2019" "${args[@]}") ;; esac
HOTVISOR_BENCH_COMMAND="bench/trace.sh $*"
cd "$ROOT"
bench_exec TraceBench "${args[@]}"
