#!/usr/bin/env bash
# Java functions in worker JVMs ("isolation": "process") against in-node Java:
#   bench/process.sh [--smoke] [--out DIR]
# Cold start of a new worker (time to first response) with and without the function's AOT cache, first-10-calls
# latency, steady-state latency, RSS per worker; in-node: sandbox creation, heap per function. Runs on the same JVM
# flags as bench/sandbox.sh (the node's). Results: bench/results/process-isolation.{json,csv}.
# HOTVISOR_BUILD_DIR (default target) is the Maven build dir; SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/bench/sandbox.sh" ProcessIsolationBench "$@"
