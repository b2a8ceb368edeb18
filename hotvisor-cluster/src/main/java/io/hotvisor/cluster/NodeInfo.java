package io.hotvisor.cluster;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

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
 * @param warmth    how warm each of those functions runs on it, by {@code namespace/name} (the version is the one in
 *                  {@code functions}); a function may be missing (a node that predates warmth, or a replace under way)
 * @param ready     whether the node is ready for traffic ({@code GET /readyz}); false while a starting node warms
 *                  its functions up. The gateway routes to a node that is not ready only when no node is
 */
public record NodeInfo(String id, String url, boolean alive, Instant seenAt, int inflight, List<String> functions,
                       Map<String, Warmth> warmth, boolean ready) {

    public NodeInfo {
        functions = List.copyOf(functions);
        warmth = Collections.unmodifiableMap(new TreeMap<>(warmth));
    }

    /** A ready node that reports no warmth. */
    public NodeInfo(String id, String url, boolean alive, Instant seenAt, int inflight, List<String> functions) {
        this(id, url, alive, seenAt, inflight, functions, Map.of(), true);
    }

    /** A ready node. */
    public NodeInfo(String id, String url, boolean alive, Instant seenAt, int inflight, List<String> functions,
                    Map<String, Warmth> warmth) {
        this(id, url, alive, seenAt, inflight, functions, warmth, true);
    }

    /**
     * How warm one function runs on a node.
     *
     * @param state            {@code cold}, {@code warming} or {@code hot}
     * @param steadyStateNanos the node's own steady-state latency of the function; 0 while not known
     */
    public record Warmth(String state, long steadyStateNanos) {
        public Warmth {
            Objects.requireNonNull(state, "state");
        }
    }

    /** Whether it holds {@code function} ({@code namespace/name}), at {@code version} or, if negative, any. */
    public boolean holds(String function, long version) {
        String prefix = function + "@";
        return functions.stream().anyMatch(f -> version < 0 ? f.startsWith(prefix) : f.equals(prefix + version));
    }

    /** Its steady state of {@code function} ({@code namespace/name}) at cluster {@code version}, when it has one. */
    public OptionalLong steadyState(String function, long version) {
        Warmth w = warmth.get(function);
        return w != null && w.steadyStateNanos() > 0 && holds(function, version)
                ? OptionalLong.of(w.steadyStateNanos()) : OptionalLong.empty();
    }

    /**
     * The best steady state of {@code function} ({@code namespace/name}) at cluster {@code version} over the live
     * {@code nodes}: the fleet's best, which each node judges its own warmth against.
     */
    public static OptionalLong fleetBest(List<NodeInfo> nodes, String function, long version) {
        return nodes.stream().filter(NodeInfo::alive)
                .mapMultiToLong((n, out) -> n.steadyState(function, version).ifPresent(out))
                .min();
    }

    /** A heartbeat about to be sent. */
    public static NodeInfo heartbeat(String id, String url, Instant now, int inflight, List<String> functions) {
        return new NodeInfo(id, url, true, now, inflight, functions, Map.of(), true);
    }

    /** A heartbeat about to be sent, with the warmth of its functions. */
    public static NodeInfo heartbeat(String id, String url, Instant now, int inflight, List<String> functions,
                                     Map<String, Warmth> warmth) {
        return new NodeInfo(id, url, true, now, inflight, functions, warmth, true);
    }

    /** A heartbeat about to be sent, with the warmth of its functions and whether it is ready for traffic. */
    public static NodeInfo heartbeat(String id, String url, Instant now, int inflight, List<String> functions,
                                     Map<String, Warmth> warmth, boolean ready) {
        return new NodeInfo(id, url, true, now, inflight, functions, warmth, ready);
    }
}
