#!/usr/bin/env bash
# Eager compilation (issue 6, mechanism 3): the first invocations of a CPU-heavy function on the default engine vs the
# eager engine (lowered Truffle thresholds), with the compile cost, each run in a fresh JVM:
#   bench/eager-compile.sh [--first-tier 50] [--last-tier 500] [--languages js,python] [--functions wordcount,orders]
#                          [--gap-ms 10] [--warm-compiler-s 30] [--out DIR]
#     (each function and language on both engines in fresh JVMs; then orders again after N s of another function,
#      so that the Graal compiler is warm; --warm-compiler-s 0 skips that)
#   bench/eager-compile.sh run --function orders --language js --engine eager [--first-tier N] [--last-tier N]
#                          [--out DIR]                                                                      one run
#   bench/eager-compile.sh report [--out DIR]                                                               the report
# Results: bench/results/eager-compile.{json,csv,png}, eager-compile-invocations.csv, README-eager-compile.md.
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
bench_build hotvisor-bench
HOTVISOR_BENCH_COMMAND="bench/eager-compile.sh $*"

cd "$ROOT"
case "${1:-}" in
  run|report) bench_java EagerCompileBench "$@" ;;
  *)
    languages="js,python"; functions="wordcount,orders"; warm=30; pass=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --languages) languages="$2"; shift 2 ;;
        --functions) functions="$2"; shift 2 ;;
        --first-tier|--last-tier|--gap-ms|--out) pass+=("$1" "$2"); shift 2 ;;
        --warm-compiler-s) warm="$2"; shift 2 ;;
        *) echo "bench/eager-compile.sh: unknown option $1" >&2; exit 2 ;;
      esac
    done
    out=(); for ((i = 0; i < ${#pass[@]}; i += 2)); do [ "${pass[i]}" = --out ] && out=(--out "${pass[i+1]}"); done
    for fn in ${functions//,/ }; do
      for lang in ${languages//,/ }; do
        for engine in default eager; do
          bench_java EagerCompileBench run --function "$fn" --language "$lang" --engine "$engine" "${pass[@]}"
        done
      done
    done
    # Then the request-sized function again, in a JVM whose Graal compiler is warm (0 skips this).
    if [ "$warm" != 0 ]; then
      for lang in ${languages//,/ }; do
        for engine in default eager; do
          bench_java EagerCompileBench run --function orders --language "$lang" --engine "$engine" --warm-compiler-s "$warm" "${pass[@]}"
        done
      done
    fi
    bench_java EagerCompileBench report "${out[@]}"
    ;;
esac
