# Sourced by the scripts under bench/ once they have set ROOT (the checkout): finds JDK 25 (jdk.sh), and gives them
#   bench_build MODULES     ./mvnw package -DskipTests -pl MODULES -am into $HOTVISOR_BUILD_DIR, unless SKIP_BUILD=1
#   bench_need_redis        stops with a clear message when redis-server is missing
#   bench_java CLASS ARGS   runs io.hotvisor.bench.CLASS on the optimizing Truffle runtime (same JVM flags as
#                           bin/hotvisor node), recording $HOTVISOR_BENCH_COMMAND as the command in its results
#   bench_exec CLASS ARGS   the same in place of the script's shell (its last command: a signal reaches the JVM)
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir, as for bin/hotvisor; it is exported for the benchmarks.
. "$ROOT/bin/lib/jdk.sh"
export HOTVISOR_BUILD_DIR="${HOTVISOR_BUILD_DIR:-target}"
BENCH="$ROOT/hotvisor-bench/$HOTVISOR_BUILD_DIR"

bench_build() {
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "Building $1 (./mvnw package -DskipTests -pl $1 -am)..." >&2
    (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl "$1" -am -Dhotvisor.build.dir="$HOTVISOR_BUILD_DIR") >&2
  fi
}

bench_need_redis() {
  command -v redis-server >/dev/null || { echo "bench: redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
}

# The JVM of bench_java and bench_exec, in BENCH_JVM; GraalVM jars on the module path, never on the class path (there
# Truffle cannot find its compiler).
bench_jvm() {
  local compiler
  compiler="$(ls "$BENCH"/graal/compiler/compiler-*.jar 2>/dev/null | head -1)"
  if [ -z "$compiler" ]; then
    echo "bench: the Graal compiler jar is missing under $BENCH/graal/compiler; run without SKIP_BUILD" >&2
    exit 1
  fi
  # shellcheck disable=SC2206
  BENCH_JVM=("$JAVA_HOME/bin/java" ${HOTVISOR_JAVA_OPTS:-}
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$compiler"
    --enable-native-access=org.graalvm.truffle,ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
    --module-path "$BENCH/graal/modules" --add-modules org.graalvm.polyglot
    -Djava.awt.headless=true "-Dhotvisor.bench.command=$HOTVISOR_BENCH_COMMAND"
    -cp "$BENCH/hotvisor-bench.jar:$BENCH/lib/*" "io.hotvisor.bench.$1")
}

bench_java() {
  bench_jvm "$1"; shift
  "${BENCH_JVM[@]}" "$@"
}

bench_exec() {
  bench_jvm "$1"; shift
  exec "${BENCH_JVM[@]}" "$@"
}
