package io.hotvisor.runtime;

import java.util.Optional;

/**
 * Where a node shares the JDK AOT caches of Java worker JVMs with the rest of its fleet (a cluster's Redis), so that
 * a node that never ran a function starts its workers from a cache trained elsewhere. The runtime frames, verifies
 * and keys what it stores ({@link SharedAotCache}): a share moves opaque bytes.
 *
 * <p>Keys name one function jar on one JDK build with one worker class path (see {@link WorkerJvm}); a cache stored
 * under a key is never replaced. Both methods are called off the invocation path's hot loop, but may block the start
 * of a worker: implementations bound their time (a timeout) and throw {@link AotCacheShareException} on failure.
 */
public interface AotCacheShare {

    /** How the keys of CRIU snapshots ({@link WorkerSnapshot}) begin, beside the AOT caches' keys. */
    String SNAPSHOT_KEY_PREFIX = "criu-";

    /** The bytes stored under {@code key}; empty if none. */
    Optional<byte[]> fetch(String key);

    /**
     * Stores {@code blob} under {@code key} unless something is stored there already.
     *
     * @return whether this blob was stored
     */
    boolean offer(String key, byte[] blob);

    /** This node's id in the fleet, stored with the caches it shares; empty by default. */
    default String origin() {
        return "";
    }

    /** Whether caches are shared at all; false for {@link #none()}. */
    default boolean enabled() {
        return true;
    }

    /** Where each node keeps its caches to itself: the default. */
    static AotCacheShare none() {
        return NoAotShare.INSTANCE;
    }
}
