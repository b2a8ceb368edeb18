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
. "$ROOT/bin/lib/jdk.sh"
BUILD_DIR="${HOTVISOR_BUILD_DIR:-target}"
BENCH="$ROOT/hotvisor-bench/$BUILD_DIR"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "Building hotvisor-bench (./mvnw package -DskipTests -pl hotvisor-bench -am)..." >&2
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl hotvisor-bench -am -Dhotvisor.build.dir="$BUILD_DIR") >&2
fi
compiler="$(ls "$BENCH"/graal/compiler/compiler-*.jar 2>/dev/null | head -1)"
if [ -z "$compiler" ]; then
  echo "bench: the Graal compiler jar is missing under $BENCH/graal/compiler; run without SKIP_BUILD" >&2
  exit 1
fi

bench_java() {
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" ${HOTVISOR_JAVA_OPTS:-} \
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$compiler" \
    --enable-native-access=org.graalvm.truffle,ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    --module-path "$BENCH/graal/modules" --add-modules org.graalvm.polyglot \
    -Djava.awt.headless=true "-Dhotvisor.bench.command=${COMMAND}" \
    -cp "$BENCH/hotvisor-bench.jar:$BENCH/lib/*" io.hotvisor.bench.EagerCompileBench "$@"
}

cd "$ROOT"
COMMAND="bench/eager-compile.sh $*"
case "${1:-}" in
  run|report) bench_java "$@" ;;
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
          bench_java run --function "$fn" --language "$lang" --engine "$engine" "${pass[@]}"
        done
      done
    done
    # Then the request-sized function again, in a JVM whose Graal compiler is warm (0 skips this).
    if [ "$warm" != 0 ]; then
      for lang in ${languages//,/ }; do
        for engine in default eager; do
          bench_java run --function orders --language "$lang" --engine "$engine" --warm-compiler-s "$warm" "${pass[@]}"
        done
      done
    fi
    bench_java report "${out[@]}"
    ;;
esac
