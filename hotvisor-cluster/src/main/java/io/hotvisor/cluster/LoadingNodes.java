package io.hotvisor.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * What the gateway remembers of the nodes that answered an invocation 503 {@code FunctionLoading}: per (function,
 * node), the version routed and until when to route that function's invocations to the other candidates first.
 *
 * <p>Each such answer cost its invocation the node's {@code --load-wait} (10 s by default). Until the node reports
 * the function in a heartbeat, the gateway's view of the cluster does not change, so without this every invocation
 * would try the loading node first again and pay that wait again.
 *
 * <ul>
 *   <li><b>Length.</b> The node's {@code Retry-After} in seconds (nodes send 1), at most {@link #MAX_MEMORY};
 *   {@value #DEFAULT_RETRY_AFTER_MS} ms when absent or not delta-seconds (an HTTP date is not read).</li>
 *   <li><b>After it.</b> One invocation at a time is let through to the node in its usual place (a probe); while
 *   that probe is out, the others still go to the other candidates first. A probe answered {@code FunctionLoading}
 *   again starts a new memory, so a node still loading costs one invocation's wait per memory, not every
 *   invocation's.</li>
 *   <li><b>Forgotten</b> as soon as the node serves an invocation of the function (any answer but {@code
 *   FunctionLoading}: the function got past its load there), when its heartbeat lists the function at the version
 *   remembered or a later one, when it is no longer a live member, or {@link #MAX_MEMORY} after the memory ran
 *   out with no probe (then it is a node like any other again).</li>
 *   <li><b>Never an error.</b> Remembered nodes are moved behind the others, never dropped: when every candidate is
 *   loading, they are all still tried.</li>
 * </ul>
 *
 * <p>Concurrency: entries live in a concurrent map; a probe is claimed by a compare-and-set, so of the invocations
 * ordered at once after a memory ran out exactly one is sent to the node in its usual place.
 */
final class LoadingNodes {
    /** How long a {@code FunctionLoading} answer is remembered when it has no readable {@code Retry-After}. */
    static final long DEFAULT_RETRY_AFTER_MS = 1_000;
    /** The longest a memory holds, whatever {@code Retry-After} says; also how long an expired one is kept. */
    static final Duration MAX_MEMORY = Duration.ofSeconds(30);

    private final LongSupplier nanos;
    private final Map<Key, Memory> memories = new ConcurrentHashMap<>();

    private record Key(String function, String node) {
    }

    private static final class Memory {
        private volatile long version;
        private volatile long until;
        private final AtomicBoolean probing = new AtomicBoolean();

        Memory(long version, long until) {
            this.version = version;
            this.until = until;
        }
    }

    /** @param nanos the clock, in ns ({@code System::nanoTime}) */
    LoadingNodes(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /**
     * {@code node} answered an invocation of {@code function} ({@code namespace/name}), routed for cluster
     * {@code version} (negative: any), 503 {@code FunctionLoading} with {@code retryAfter} (its header's value).
     */
    void loading(String function, long version, String node, Optional<String> retryAfter) {
        long until = nanos.getAsLong() + memoryLength(retryAfter).toNanos();
        memories.compute(new Key(function, node), (k, m) -> {
            if (m == null) {
                return new Memory(version, until);
            }
            m.version = Math.max(m.version, version);
            m.until = until;
            return m;
        });
    }

    /** {@code node} answered an invocation of {@code function} with anything but {@code FunctionLoading}. */
    void served(String function, String node) {
        memories.remove(new Key(function, node));
    }

    /**
     * The members as just read from Redis: forgets what a node's heartbeat shows it no longer loads (it holds the
     * version remembered or a later one), the nodes gone from the members, and memories long run out.
     */
    void members(List<NodeInfo> nodes) {
        Map<String, NodeInfo> byId = nodes.stream().collect(Collectors.toMap(NodeInfo::id, n -> n, (a, b) -> a));
        long now = nanos.getAsLong();
        memories.entrySet().removeIf(e -> {
            NodeInfo n = byId.get(e.getKey().node());
            Memory m = e.getValue();
            return n == null || !n.alive() || holdsAtLeast(n, e.getKey().function(), m.version)
                    || !m.probing.get() && now - m.until > MAX_MEMORY.toNanos();
        });
    }

    /**
     * {@code candidates} (in the order placement chose) with the nodes remembered loading {@code function} moved
     * behind the others, each group in its order. A node whose memory ran out stays in its place for the one
     * invocation that claims its probe; the returned route must be closed when the invocation is over, which ends
     * that probe.
     */
    Route order(String function, List<NodeInfo> candidates) {
        long now = nanos.getAsLong();
        List<NodeInfo> first = new ArrayList<>();
        List<NodeInfo> last = new ArrayList<>();
        List<Memory> probes = new ArrayList<>();
        for (NodeInfo n : candidates) {
            Memory m = memories.get(new Key(function, n.id()));
            if (m == null) {
                first.add(n);
            } else if (now - m.until < 0 || !m.probing.compareAndSet(false, true)) {
                last.add(n); // remembered, or another invocation is probing it
            } else {
                probes.add(m);
                first.add(n);
            }
        }
        first.addAll(last);
        return new Route(List.copyOf(first), List.copyOf(probes));
    }

    /** The nodes to try, in order, and the probes this invocation claimed ({@link #order}). */
    static final class Route implements AutoCloseable {
        private final List<NodeInfo> nodes;
        private final List<Memory> probes;

        private Route(List<NodeInfo> nodes, List<Memory> probes) {
            this.nodes = nodes;
            this.probes = probes;
        }

        List<NodeInfo> nodes() {
            return nodes;
        }

        /** Ends this invocation's probes: the next invocation after a memory ran out may probe again. */
        @Override
        public void close() {
            probes.forEach(m -> m.probing.set(false));
        }
    }

    /**
     * What is remembered of {@code function}, by node: {@code version} (routed when it answered), {@code heldForMs}
     * (left of the memory; 0 once it ran out) and {@code probing}; for {@code GET /v1/cluster/functions/{name}}.
     */
    Map<String, Remembered> of(String function) {
        long now = nanos.getAsLong();
        Map<String, Remembered> out = new TreeMap<>();
        memories.forEach((k, m) -> {
            if (k.function().equals(function)) {
                out.put(k.node(), new Remembered(m.version, Math.max(0, (m.until - now) / 1_000_000),
                        m.probing.get()));
            }
        });
        return out;
    }

    /** One node's memory, as {@link #of} reports it. */
    record Remembered(long version, long heldForMs, boolean probing) {
    }

    /**
     * How long to remember a {@code FunctionLoading} answer with this {@code Retry-After}: its delta-seconds, at most
     * {@link #MAX_MEMORY}; {@value #DEFAULT_RETRY_AFTER_MS} ms when absent or not delta-seconds.
     */
    static Duration memoryLength(Optional<String> retryAfter) {
        Duration d = retryAfter.map(String::strip).filter(v -> v.matches("[0-9]{1,9}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v))).orElse(Duration.ofMillis(DEFAULT_RETRY_AFTER_MS));
        return d.compareTo(MAX_MEMORY) > 0 ? MAX_MEMORY : d;
    }

    /** Whether {@code n} reports {@code function} at {@code version} or later (any version when negative). */
    static boolean holdsAtLeast(NodeInfo n, String function, long version) {
        String prefix = function + "@";
        for (String held : n.functions()) {
            if (held.startsWith(prefix)) {
                if (version < 0) {
                    return true;
                }
                try {
                    if (Long.parseLong(held.substring(prefix.length())) >= version) {
                        return true;
                    }
                } catch (NumberFormatException e) {
                    // "local": deployed while Redis was unreachable; says nothing of the cluster's version
                }
            }
        }
        return false;
    }
}
