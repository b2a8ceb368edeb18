package io.hotvisor.node;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import io.hotvisor.cluster.ClusterException;
import io.hotvisor.cluster.ClusterStore;
import io.hotvisor.runtime.AotCacheShare;
import io.hotvisor.runtime.AotCacheShareException;

/**
 * The fleet's AOT caches of Java worker JVMs, in the cluster's Redis ({@link ClusterStore#aotCache}). A connection
 * pool of its own, so that moving a cache of tens of MB never holds up the catalog sync or the heartbeat.
 */
final class ClusterAotShare implements AotCacheShare, AutoCloseable {
    /** Largest cache shared: JDK 25 caches of a function's worker are 14-21 MB (DESIGN.md, bench/results). */
    static final int MAX_BYTES = 64 * 1024 * 1024;
    /** How long a cache stays in Redis after it was last stored or fetched. */
    static final Duration TTL = Duration.ofDays(7);

    private static final System.Logger LOG = System.getLogger(ClusterAotShare.class.getName());

    private final ClusterStore store;
    private final long maxTotalBytes;
    private volatile String origin;

    private ClusterAotShare(ClusterStore store, String origin, long maxTotalBytes) {
        this.store = store;
        this.origin = origin;
        this.maxTotalBytes = maxTotalBytes;
    }

    static ClusterAotShare connect(ClusterOptions options) {
        return new ClusterAotShare(ClusterStore.connect(URI.create(options.redis()), options.name(), Clock.systemUTC()),
                options.nodeId(), options.aotShareMaxBytes());
    }

    /** Sets this node's id, known once the node listens (its default includes the port). */
    void origin(String nodeId) {
        this.origin = nodeId;
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public Optional<byte[]> fetch(String key) {
        try {
            return store.aotCache(key, TTL);
        } catch (ClusterException e) {
            throw AotCacheShareException.of(e.getMessage(), e);
        }
    }

    @Override
    public boolean offer(String key, byte[] blob) {
        String what = key.startsWith(SNAPSHOT_KEY_PREFIX) ? "The snapshot '" : "The AOT cache '";
        if (blob.length > MAX_BYTES) {
            throw AotCacheShareException.of(what + key + "' is " + blob.length / (1024 * 1024) + " MB, over the "
                    + MAX_BYTES / (1024 * 1024) + " MB a cluster shares; kept on this node only", null);
        }
        ClusterStore.AotStored stored;
        try {
            stored = store.aotCacheIfAbsent(key, blob, TTL, maxTotalBytes);
        } catch (ClusterException e) {
            throw AotCacheShareException.of(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // The store refuses a blob over the whole budget before it writes anything.
            throw AotCacheShareException.of(what + key + "' is " + blob.length / (1024 * 1024) + " MB, over the "
                    + maxTotalBytes / (1024 * 1024) + " MB all shared caches and snapshots may take"
                    + " (--aot-share-max-mb); kept on this node only", e);
        }
        if (!stored.dropped().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Dropped " + stored.dropped().size() + " shared AOT caches or snapshots"
                    + " from Redis, least recently used first, to keep them within " + maxTotalBytes / (1024 * 1024)
                    + " MB (--aot-share-max-mb): " + stored.dropped());
        }
        return stored.stored();
    }

    @Override
    public void close() {
        store.close();
    }
}
