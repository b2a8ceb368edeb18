package io.hotvisor.runtime;

import java.util.Locale;

/**
 * The CRIU snapshot of a Java function's hot worker JVM on this node (isolation process; README, "Snapshots").
 *
 * @param state        where the snapshot is
 * @param lastRestored whether the last worker started was restored from the snapshot (false: it started fresh)
 * @param restores     how many workers were restored from it
 * @param bytes        the image's size on disk; 0 without one
 * @param dumpMillis   how long the checkpoint took (the source worker's invocations waited that long); 0 before
 * @param sharing      whether snapshots are shared with the fleet ({@code --aot-share on} in a cluster)
 * @param shared       whether the fleet holds this one: uploaded from here, or fetched from there
 * @param origin       the node that checkpointed it, when shared; empty if unknown
 * @param note         what happened last, or why there is no snapshot ("off (--criu off)", "restore failed, the
 *                     worker started fresh: ..."); empty if nothing yet
 */
public record SnapshotStatus(State state, boolean lastRestored, long restores, long bytes, long dumpMillis,
                             boolean sharing, boolean shared, String origin, String note) {

    /** Where a function's snapshot is. */
    public enum State {
        /** CRIU is not available or turned off on this node: workers start fresh ({@code note} says why). */
        OFF,
        /** No snapshot yet, and no worker on its way to one. */
        NONE,
        /** A worker is serving its first invocations; it is checkpointed after them. */
        WARMING,
        /** The checkpoint is being taken. */
        TAKING,
        /** New workers are restored from the snapshot. */
        READY,
        /** Checkpointing or restoring failed too often: workers start fresh ({@code note} says why). */
        FAILED;

        /** The lower-case name used in JSON. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
