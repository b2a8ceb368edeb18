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

# GraalVM jars on the module path, never on the class path (there Truffle cannot find its compiler).
bench_java() {
  local cls="$1"; shift
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" ${HOTVISOR_JAVA_OPTS:-} \
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$compiler" \
    --enable-native-access=org.graalvm.truffle,ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    --module-path "$BENCH/graal/modules" --add-modules org.graalvm.polyglot \
    -Djava.awt.headless=true "-Dhotvisor.bench.command=${HOTVISOR_BENCH_COMMAND:-bench/sandbox.sh $*}" \
    -cp "$BENCH/hotvisor-bench.jar:$BENCH/lib/*" "io.hotvisor.bench.$cls" "$@"
}

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
