#!/usr/bin/env bash
# Sandbox benchmarks on the optimizing Truffle runtime (same JVM flags as bin/hotvisor node):
#   bench/sandbox.sh                       build, run SandboxCreationBench, RawContextBench (plain GraalVM baseline)
#                                          and FirstCallBench, then BenchReport
#   bench/sandbox.sh --smoke               the same with a few iterations (seconds, numbers meaningless)
#   bench/sandbox.sh <Class> [options]     one class of io.hotvisor.bench (options: --smoke --out DIR --languages js,python,java)
# Results: bench/results/{sandbox-creation,raw-context,first-call}.{json,csv}, *.png, README-node.md.
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir, as for bin/hotvisor; SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_build hotvisor-bench
HOTVISOR_BENCH_COMMAND="${HOTVISOR_BENCH_COMMAND:-bench/sandbox.sh $*}"

cd "$ROOT"
case "${1:-}" in
  ""|--*)
    # Each benchmark in a JVM of its own: one's warm-up and garbage do not disturb the other.
    bench_java SandboxCreationBench "$@"
    bench_java RawContextBench "$@"
    bench_java FirstCallBench "$@"
    args=(); prev=""
    for a in "$@"; do [ "$prev" = --out ] && args=(--out "$a"); prev="$a"; done
    bench_java BenchReport "${args[@]}"
    ;;
  *)
    cls="$1"; shift
    bench_java "$cls" "$@"
    ;;
esac
