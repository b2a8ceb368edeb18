/**
 * Many Hotvisor nodes behaving as one platform on one Redis: {@link io.hotvisor.cluster.ClusterStore} (the
 * versioned function catalog, namespaces and key hashes, node membership, the async queue on Redis Streams) and
 * {@link io.hotvisor.cluster.Gateway}, which routes the v1 API to the nodes. {@link io.hotvisor.cluster.GatewayMain}
 * starts a gateway from the command line; {@link io.hotvisor.cluster.OptionValues} converts its word-valued options
 * and the node's.
 */
package io.hotvisor.cluster;
