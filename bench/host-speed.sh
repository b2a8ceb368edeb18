#!/usr/bin/env bash
# How much CPU time the same fixed work costs on this machine from second to second, per CPU, with nothing of
# Hotvisor running (HostSpeedBench): the floor under any warmth judged on CPU time (issue 6).
#   bench/host-speed.sh [--smoke] [--out DIR] [--seconds N]     (default 120 s; --smoke: 4 s, numbers meaningless)
# Results: bench/results/host-speed{,-windows}.{json,csv}, host-speed.png, README-host-speed.md.
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir, as for bin/hotvisor; SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_build hotvisor-bench
HOTVISOR_BENCH_COMMAND="${HOTVISOR_BENCH_COMMAND:-bench/host-speed.sh $*}"
cd "$ROOT"
bench_java HostSpeedBench "$@"
