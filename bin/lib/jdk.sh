# Sourced by every script of the project: finds JDK 25 and exports JAVA_HOME, or stops with a clear message.
# Order: $JAVA_HOME if it is a JDK 25, then /usr/lib/jvm/*25*.
hotvisor_find_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] \
     && "$JAVA_HOME/bin/java" -version 2>&1 | head -1 | grep -q 'version "25'; then
    return 0
  fi
  local d
  for d in /usr/lib/jvm/*25*; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ]; then
      export JAVA_HOME="$d"
      return 0
    fi
  done
  echo "hotvisor: JDK 25 not found. Set JAVA_HOME to a JDK 25 (JAVA_HOME=${JAVA_HOME:-unset} is not one)" \
       "or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
  exit 1
}
hotvisor_find_jdk25
