package io.hotvisor.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether and how a node joins a cluster (see the README's cluster section).
 *
 * @param redis        {@code redis://host:port}; empty (the default) for a node on its own, with its embedded store
 * @param name         the cluster's name, the prefix of its Redis keys; defaults to {@code hotvisor}
 * @param nodeId       this node's id in the cluster; defaults to {@code <host>-<port>}
 * @param advertiseUrl where other members (the gateway) reach this node; defaults to {@code http://<host>:<port>}
 * @param reclaimAfter how long an async invocation another node took may stay unfinished before this node takes it
 *                     over (XAUTOCLAIM min-idle); defaults to 30 s
 * @param asyncWorkers how many async invocations this node runs at once; defaults to 32
 * @param aotShare     whether the JDK AOT caches of Java worker JVMs are shared through the cluster's Redis (fetched
 *                     before a node trains its own, uploaded once trained); defaults to true
 */
public record ClusterOptions(String redis, String name, String nodeId, String advertiseUrl, Duration reclaimAfter,
                             int asyncWorkers, boolean aotShare) {

    /** A node on its own. */
    public static final ClusterOptions NONE = new ClusterOptions("", "hotvisor", "", "", Duration.ofSeconds(30), 32,
            true);

    public ClusterOptions {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(advertiseUrl, "advertiseUrl");
        Objects.requireNonNull(reclaimAfter, "reclaimAfter");
        if (asyncWorkers < 1) {
            throw new IllegalArgumentException("asyncWorkers must be at least 1; got " + asyncWorkers);
        }
    }

    /** Whether the node joins a cluster. */
    public boolean enabled() {
        return !redis.isEmpty();
    }
}
