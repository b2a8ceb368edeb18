#!/usr/bin/env bash
# What another Python function's deploy costs a hot one on the same GraalPy engine, unprimed and primed
# (RuntimeOptions#pythonEnginePrime), or with other variants, each run in a fresh JVM, alternating:
#   bench/python-engine-prime.sh [--prime 7] [--runs 2] [--out DIR]     the runs, then the report
#   bench/python-engine-prime.sh run --prime N --run K [--out DIR]      one run; also --own-engines (an engine per
#     function, RuntimeOptions#enginePerFunction) or --engine-option KEY=VALUE, each with --variant NAME (the run's
#     files and series)
#   bench/python-engine-prime.sh report [--out DIR]                     the report
# Results: bench/results/python-engine-prime-<variant>-r<K>.json per run, python-engine-prime.{json,csv,png},
# README-python-engine-prime.md. HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the
# build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_build hotvisor-bench
HOTVISOR_BENCH_COMMAND="bench/python-engine-prime.sh $*"
export HOTVISOR_JAVA_OPTS="${HOTVISOR_JAVA_OPTS:-} -Dhotvisor.root=$ROOT"

cd "$ROOT"
case "${1:-}" in
  run|report) bench_java EnginePrimeBench "$@" ;;
  *)
    prime=7; runs=2; out=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --prime) prime="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --out) out=(--out "$2"); shift 2 ;;
        *) echo "bench/python-engine-prime.sh: unknown option $1" >&2; exit 2 ;;
      esac
    done
    for ((r = 1; r <= runs; r++)); do
      for p in 0 "$prime"; do
        bench_java EnginePrimeBench run --prime "$p" --run "$r" "${out[@]}"
      done
    done
    bench_java EnginePrimeBench report "${out[@]}"
    ;;
esac
