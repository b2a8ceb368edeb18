/**
 * A Hotvisor node: one JVM serving the HTTP API ({@link io.hotvisor.node.HotvisorNode}), with its function store
 * on disk, its registry of deployed functions, async invocations and Prometheus metrics, all per namespace, and
 * the API keys that say who may call what ({@code TenantStore}, {@code Access}, {@code AdminApi}).
 * {@link io.hotvisor.node.Main} starts one from the command line.
 */
package io.hotvisor.node;
