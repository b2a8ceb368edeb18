/**
 * Macro benchmarks of the runtime and the node: how long a new sandbox takes to make, whether the first call in a
 * new sandbox runs the code another sandbox already compiled, and hello-world over HTTP. Each benchmark is a main
 * class whose javadoc gives the command that runs it; results go to {@code bench/results/} as JSON and CSV, with
 * charts and a markdown summary made by {@link io.hotvisor.bench.BenchReport}. Speed is measured here, never
 * asserted.
 */
package io.hotvisor.bench;
