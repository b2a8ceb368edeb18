/**
 * Macro benchmarks of the runtime and the node: how long a new sandbox takes to make, whether the first call in a
 * new sandbox runs the code another sandbox already compiled, hello-world over HTTP, and density (ops/s per GB)
 * against {@link io.hotvisor.bench.BaselineServer}, the one-process-per-instance baseline with a node's HTTP API.
 * Each benchmark is a main class whose javadoc gives the command that runs it; results go to {@code bench/results/}
 * as JSON and CSV, with charts and markdown summaries made by {@link io.hotvisor.bench.BenchReport} and
 * {@link io.hotvisor.bench.DensityReport}. Speed is measured here, never asserted.
 */
package io.hotvisor.bench;
