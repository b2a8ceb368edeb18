package io.hotvisor.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What a node says about itself in its heartbeat.
 *
 * @param id        the node's id ({@code --node-id})
 * @param url       where its HTTP API answers
 * @param alive     whether its heartbeat is current (it expires after the membership TTL)
 * @param seenAt    when it last sent a heartbeat
 * @param inflight  invocations running or queued on it at that moment
 * @param functions functions loaded on it, as {@code namespace/name@version} (the cluster version; {@code local}
 *                  for one deployed while Redis was unreachable)
 */
public record NodeInfo(String id, String url, boolean alive, Instant seenAt, int inflight, List<String> functions) {

    public NodeInfo {
        functions = List.copyOf(functions);
    }

    /** Whether it holds {@code function} ({@code namespace/name}), at {@code version} or, if negative, any. */
    public boolean holds(String function, long version) {
        String prefix = function + "@";
        return functions.stream().anyMatch(f -> version < 0 ? f.startsWith(prefix) : f.equals(prefix + version));
    }

    /** A heartbeat about to be sent. */
    public static NodeInfo heartbeat(String id, String url, Instant now, int inflight, List<String> functions) {
        return new NodeInfo(id, url, true, now, inflight, functions);
    }
}
