package io.hotvisor.runtime;

import java.util.Locale;

/**
 * Where the workers of a Java function with {@link Isolation#PROCESS} get their JDK AOT cache from, on this node.
 *
 * @param source  where the cache in use came from
 * @param origin  the node that trained it (this node's id for {@link Source#TRAINED}, when sharing); empty if unknown
 * @param bytes   the cache file's size; 0 without one
 * @param sharing whether this node shares caches with its fleet (fetches and uploads)
 * @param shared  whether the fleet holds this cache: this node uploaded it, found it there, or fetched it from there
 * @param opened  whether the last worker started with the cache said it used it (its JVM log); false for a cache
 *                the JVM ignored (a different JDK build or class path) and before any worker used one
 * @param note    the last thing that happened to the cache, for people ("fetched from the fleet in 120 ms", "fetch
 *                failed: ..."); empty if nothing yet
 */
public record AotCacheStatus(Source source, String origin, long bytes, boolean sharing, boolean shared,
                             boolean opened, String note) {

    /** Where a function's AOT cache came from. */
    public enum Source {
        /** AOT caches are off on this node ({@code --aot-training-invocations 0}). */
        OFF,
        /** No cache yet, and no worker is training one. */
        NONE,
        /** A worker of this node is training the cache. */
        TRAINING,
        /** Trained by a worker of this node. */
        TRAINED,
        /** Fetched from the fleet (trained by another node, or by this one before a restart). */
        FLEET,
        /** Found in this node's cache directory, made by an earlier start. */
        DISK;

        /** The lower-case name used in JSON and metrics. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
