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
 * @param snapshotShare whether the CRIU snapshots of Java worker JVMs are shared through the cluster's Redis (a node
 *                     restores its first worker from another node's snapshot, and uploads the ones it takes); apart
 *                     from {@code aotShare}, so each can be measured alone; defaults to true
 * @param loadWait     the longest an invocation waits for this node to load the function's version it needs (its
 *                     copy from the catalog, with the warm-up replays; a load can take up to the 30 s warm-up
 *                     budget and more): after that a sync invocation is answered 503 {@code FunctionLoading} with
 *                     {@code Retry-After}, while the load goes on. Not the function's own timeout: a function new
 *                     to this node is not known until its definition is loaded. Defaults to
 *                     {@link #DEFAULT_LOAD_WAIT}
 * @param changeWait   the longest a deploy or delete of a function through this node waits for a load of that function
 *                     in progress here (with its warm-up replays), then is answered 503 {@code FunctionLoading} with
 *                     {@code Retry-After} (nothing changed). Defaults to {@link #DEFAULT_CHANGE_WAIT}
 * @param aotShareMaxBytes the most bytes the AOT caches and snapshots shared through the cluster's Redis may take
 *                     together: after this node stores one, the least recently stored or fetched others are dropped
 *                     until they fit. Defaults to {@link #DEFAULT_AOT_SHARE_MAX_BYTES}
 */
public record ClusterOptions(String redis, String name, String nodeId, String advertiseUrl, Duration reclaimAfter,
                             int asyncWorkers, boolean aotShare, boolean snapshotShare, Duration loadWait, Duration changeWait,
                             long aotShareMaxBytes) {

    /**
     * Default {@link #loadWait()}: 10 s. A client that gets no answer within seconds takes the node for hung; ten
     * seconds covers a plain load with room (a few hundred ms for JavaScript, seconds for a first Python context on a
     * loaded machine), and is a third of the warm-up budget: a function whose replays run longer is answered
     * "still loading" rather than kept waiting up to 30 s.
     */
    public static final Duration DEFAULT_LOAD_WAIT = Duration.ofSeconds(10);

    /**
     * Default {@link #changeWait()}: 60 s, twice the 30 s warm-up budget: a redeploy right after a deploy (while the
     * other nodes still replay the first version) waits and succeeds, and only a load that hangs is refused.
     */
    public static final Duration DEFAULT_CHANGE_WAIT = Duration.ofSeconds(60);

    /**
     * Default {@link #aotShareMaxBytes()}: 1 GiB. A Java function's worker takes an AOT cache and a packed snapshot
     * of up to about 65 MB together (28 MB and 37 MB in the hot-start run of 2026-11-25,
     * bench/results/README-hot-start-full-level.md), so this holds both for about 15 functions' current versions;
     * without a bound, each redeploy of a changed jar left that much more in Redis for the 7 days of their TTL.
     */
    public static final long DEFAULT_AOT_SHARE_MAX_BYTES = 1024L * 1024 * 1024;

    /** A node on its own. */
    public static final ClusterOptions NONE = new ClusterOptions("", "hotvisor", "", "", Duration.ofSeconds(30), 32,
            true, true, DEFAULT_LOAD_WAIT, DEFAULT_CHANGE_WAIT, DEFAULT_AOT_SHARE_MAX_BYTES);

    public ClusterOptions {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(advertiseUrl, "advertiseUrl");
        Objects.requireNonNull(reclaimAfter, "reclaimAfter");
        Objects.requireNonNull(loadWait, "loadWait");
        if (loadWait.isNegative()) {
            throw new IllegalArgumentException("loadWait must not be negative; got " + loadWait);
        }
        Objects.requireNonNull(changeWait, "changeWait");
        if (changeWait.isNegative()) {
            throw new IllegalArgumentException("changeWait must not be negative; got " + changeWait);
        }
        if (aotShareMaxBytes < 1) {
            throw new IllegalArgumentException("aotShareMaxBytes must be at least 1; got " + aotShareMaxBytes);
        }
        if (asyncWorkers < 1) {
            throw new IllegalArgumentException("asyncWorkers must be at least 1; got " + asyncWorkers);
        }
    }

    /** Whether the node joins a cluster. */
    public boolean enabled() {
        return !redis.isEmpty();
    }
}
