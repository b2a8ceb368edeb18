/**
 * Macro benchmarks of the runtime and the node: how long a new sandbox takes to make, whether the first call in a
 * new sandbox runs the code another sandbox already compiled, hello-world over HTTP, density (ops/s per GB)
 * against {@link io.hotvisor.bench.BaselineServer}, the one-process-per-instance baseline with a node's HTTP API,
 * the Azure Functions trace replayed against a node and against that baseline ({@link io.hotvisor.bench.TraceBench}),
 * a bench function called in a loop in plain GraalVM polyglot ({@link io.hotvisor.bench.GuestLoopBench}), and the
 * first invocations on a node that joins a cluster, per hot-start mechanism ({@link io.hotvisor.bench.HotStartBench}).
 * Each benchmark is a main class whose javadoc gives the command that runs it; results go to {@code bench/results/}
 * as JSON and CSV, with charts and markdown summaries made by {@link io.hotvisor.bench.BenchReport},
 * {@link io.hotvisor.bench.DensityReport}, {@code TraceReport} and {@code HotStartReport}. Speed is measured here,
 * never asserted.
 */
package io.hotvisor.bench;
