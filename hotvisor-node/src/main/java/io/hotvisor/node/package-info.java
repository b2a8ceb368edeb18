/**
 * A Hotvisor node: one JVM serving the HTTP API ({@link io.hotvisor.node.HotvisorNode}), with its function store
 * on disk, its registry of deployed functions, async invocations and Prometheus metrics.
 * {@link io.hotvisor.node.Main} starts one from the command line.
 */
package io.hotvisor.node;
