package io.hotvisor.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Where the gateway sends a function's invocations.
 *
 * <p>Each function has a preference order over the live nodes by rendezvous hashing (highest
 * {@code hash(function, node)} first): stable as nodes come and go (a new node becomes first choice for about
 * 1/n of the functions, the others keep theirs), so each function's traffic stays on few nodes and its code stays
 * hot there. A function uses the first {@code width} nodes of its order (1 at first), the least busy of them (by
 * this gateway's own count of requests in flight); when all of them have {@value #GROW_AT} or more of its requests
 * in flight, the width grows by one (more nodes for a function under load), and it shrinks by one after
 * {@value #SHRINK_AFTER_MS} ms without growing while its least busy node is idle. The rest of the order follows,
 * for retries.
 *
 * <p><b>Warmth-aware routing</b> (with {@code warmthAware}, the gateway's default; issue 6, mechanism 1). The
 * order puts the nodes that report the function hot first, then warming, then cold or silent, each group in hash
 * order, and the width takes the first of them: a function stays on hot nodes, and grows onto a node that is not
 * hot only when its hot nodes reach the load limit. The function's hash home (first in hash order: a node that
 * joined, or the one it belongs to after a deploy made it hot elsewhere) is added to the width's nodes if they do
 * not include it, so the function moves home gradually. Each node has a weight: 1 if it reports the function hot,
 * else from {@value #FIRST_SHARE} up to 1 as it serves ({@code rampInvocations} successful invocations through this
 * gateway give it a full share). A request goes to one of the width's nodes under its load limit ({@value #GROW_AT}
 * in flight times its weight, at least 1) by smooth weighted round robin, so each gets its weight's share of the
 * requests; when all are at their limit, to the one with the lowest {@code (in flight + 1) / weight}. So a node
 * that is not hot starts with a quarter of a hot node's share and takes more as it warms, not its full share at
 * once. Nothing is ever refused: when no node is hot the same rules pick among the others. A node that reports
 * warming while its own steady state is within {@value #STEADY_FACTOR}x of the best one reported counts as hot
 * ({@link #steady}).
 *
 * <p>Staleness. Warmth arrives in heartbeats (one a second, read every 250 ms): up to ~1.3 s old. A state is a hint
 * that only reorders nodes; the ramp counts this gateway's own completed invocations, which are never stale, so a
 * node that is warmer than its last heartbeat says still gets a growing share, and one that never reports hot (a
 * slower machine) gets its full share after the ramp. A node that reports a function cold after reporting it
 * warming or hot has lost its code (restart, new version): its ramp starts again. Only warmth reported for the
 * version being routed counts. If no candidate reports warmth for the function (nodes that predate it), routing is
 * exactly the hash policy. Each gateway keeps its own ramps: with several gateways a node warms up that many times
 * faster.
 */
final class Placement {
    static final int GROW_AT = 4;
    static final long SHRINK_AFTER_MS = 10_000;
    /** The weight of a node that is not hot and has served nothing yet, against a hot node's 1. */
    static final double FIRST_SHARE = 1.0 / GROW_AT;
    /** Invocations a node that is not hot serves before it gets a full share; {@code --warmth-ramp} defaults to it. */
    static final int DEFAULT_RAMP = 100;
    /**
     * A node that reports a function warming but has a steady state of its own within this factor of the best one
     * reported is routed as hot: its code is compiled, and it is only slower for now (a busy machine pushes hot code
     * over the node's hot factor for a while). A node still cold has no steady state, or one on an interpreter
     * plateau many times the best.
     */
    static final double STEADY_FACTOR = 2.0;

    private final LongSupplier millis;
    private final boolean warmthAware;
    private final int rampInvocations;
    private final Map<String, AtomicInteger> widths = new ConcurrentHashMap<>();
    private final Map<String, Long> grownAt = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
    private final Map<String, Ramp> ramps = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Double>> credits = new ConcurrentHashMap<>();

    /**
     * @param millis          the clock, in ms (for shrinking)
     * @param warmthAware     whether to route by warmth (above); false: the hash policy only
     * @param rampInvocations invocations after which a node that is not hot gets a full share; at least 1
     */
    Placement(LongSupplier millis, boolean warmthAware, int rampInvocations) {
        if (rampInvocations < 1) {
            throw new IllegalArgumentException("The warmth ramp must be at least 1 invocation; got "
                    + rampInvocations);
        }
        this.millis = millis;
        this.warmthAware = warmthAware;
        this.rampInvocations = rampInvocations;
    }

    /** The policy's name, as {@code GET /v1/cluster} shows it: {@code warmth} or {@code hash}. */
    String policy() {
        return warmthAware ? "warmth" : "hash";
    }

    int rampInvocations() {
        return rampInvocations;
    }

    /** Nodes to try for {@code function} ({@code namespace/name}) at cluster {@code version} (negative: any). */
    List<NodeInfo> order(String function, long version, List<NodeInfo> live) {
        List<NodeInfo> byHash = hashOrder(function, live);
        if (byHash.isEmpty()) {
            return byHash;
        }
        Map<String, NodeInfo.Warmth> reports = new HashMap<>();
        if (warmthAware) {
            for (NodeInfo n : byHash) {
                NodeInfo.Warmth w = reported(n, function, version);
                if (w != null) {
                    reports.put(n.id(), w);
                }
            }
        }
        return reports.isEmpty() ? byHash(function, byHash) : byWarmth(function, byHash, steady(reports));
    }

    /**
     * {@code reports} with a node that reports warming but runs within {@link #STEADY_FACTOR} of the best steady state
     * reported as hot. Without it, hot nodes that a busy machine pushed over their hot factor looked like newcomers:
     * with every candidate warming the order was the hash order, and a node that had just joined, the function's hash
     * home, got nearly all of its calls (the hot-start bench of 2026-11-24: 66-97 %).
     */
    static Map<String, NodeInfo.Warmth> steady(Map<String, NodeInfo.Warmth> reports) {
        long best = reports.values().stream().mapToLong(NodeInfo.Warmth::steadyStateNanos).filter(s -> s > 0).min()
                .orElse(0);
        Map<String, NodeInfo.Warmth> out = new HashMap<>(reports);
        out.replaceAll((id, w) -> "warming".equals(w.state()) && w.steadyStateNanos() > 0
                && w.steadyStateNanos() <= STEADY_FACTOR * best ? new NodeInfo.Warmth("hot", w.steadyStateNanos()) : w);
        return out;
    }

    /**
     * {@code nodes} in {@code function}'s rendezvous-hash order: its hash home first. Both policies start from it
     * ({@code GET /v1/cluster/functions/{name}} shows it).
     */
    static List<NodeInfo> hashOrder(String function, List<NodeInfo> nodes) {
        List<NodeInfo> byHash = new ArrayList<>(nodes);
        byHash.sort(Comparator.comparingLong((NodeInfo n) -> score(function, n.id())).reversed());
        return byHash;
    }

    /** The hash policy: the least busy of the width's nodes. */
    private List<NodeInfo> byHash(String function, List<NodeInfo> byHash) {
        AtomicInteger width = widths.computeIfAbsent(function, f -> new AtomicInteger(1));
        int w = Math.min(Math.max(1, width.get()), byHash.size());
        List<NodeInfo> head = new ArrayList<>(byHash.subList(0, w));
        head.sort(Comparator.comparingInt(n -> load(function, n.id())));
        int least = load(function, head.get(0).id());
        long now = millis.getAsLong();
        if (least >= GROW_AT && w < byHash.size()) {
            width.compareAndSet(w, w + 1);
            grownAt.put(function, now);
            head.add(0, byHash.get(w)); // the node just added takes this one
        } else if (least == 0 && w > 1 && now - grownAt.getOrDefault(function, 0L) > SHRINK_AFTER_MS) {
            width.compareAndSet(w, w - 1);
            grownAt.put(function, now);
        }
        List<NodeInfo> out = new ArrayList<>(head);
        byHash.stream().filter(n -> !out.contains(n)).forEach(out::add);
        return out;
    }

    /**
     * The warmth policy: the width's nodes taken hot first, plus the function's hash home (first in hash order) if
     * they do not include it; the request goes, by weight, to one of them under its load limit, or else to the one
     * with the lowest {@code (in flight + 1) / weight}.
     */
    private List<NodeInfo> byWarmth(String function, List<NodeInfo> byHash, Map<String, NodeInfo.Warmth> reports) {
        List<NodeInfo> ranked = new ArrayList<>(byHash);
        ranked.sort(Comparator.comparingInt(n -> rank(reports.get(n.id())))); // stable: hash order within a rank
        Map<String, Double> weights = new HashMap<>();
        for (NodeInfo n : ranked) {
            weights.put(n.id(), ramp(function, n.id()).observe(reports.get(n.id()), rampInvocations));
        }
        AtomicInteger width = widths.computeIfAbsent(function, f -> new AtomicInteger(1));
        int w = Math.min(Math.max(1, width.get()), ranked.size());
        List<NodeInfo> head = new ArrayList<>(ranked.subList(0, w));
        NodeInfo home = byHash.get(0);
        if (!head.contains(home)) {
            head.add(home); // it takes the function over gradually, as it warms
        }
        Comparator<NodeInfo> byCost = Comparator.comparingDouble(
                n -> (load(function, n.id()) + 1) / weights.get(n.id()));
        head.sort(byCost);
        int least = head.stream().mapToInt(n -> load(function, n.id())).min().orElseThrow();
        long now = millis.getAsLong();
        NodeInfo first = null;
        if (least >= GROW_AT && w < ranked.size()) {
            width.compareAndSet(w, w + 1);
            grownAt.put(function, now);
            first = ranked.stream().filter(n -> !head.contains(n)).findFirst().orElse(null); // it takes this one
        } else if (least == 0 && w > 1 && now - grownAt.getOrDefault(function, 0L) > SHRINK_AFTER_MS) {
            width.compareAndSet(w, w - 1);
            grownAt.put(function, now);
        }
        if (first == null) {
            List<NodeInfo> under = head.stream()
                    .filter(n -> load(function, n.id()) < Math.max(1, (int) (GROW_AT * weights.get(n.id())))).toList();
            first = under.isEmpty() ? head.get(0) : smooth(function, under, weights);
        }
        List<NodeInfo> out = new ArrayList<>();
        out.add(first);
        head.stream().filter(n -> !out.contains(n)).forEach(out::add);
        ranked.stream().filter(n -> !out.contains(n)).forEach(out::add);
        return out;
    }

    /**
     * Smooth weighted round robin (nginx's): each of {@code nodes} gains its weight in credit, the richest is chosen
     * and pays the sum; over time each gets its weight's share of the requests, interleaved.
     */
    private NodeInfo smooth(String function, List<NodeInfo> nodes, Map<String, Double> weights) {
        Map<String, Double> credit = credits.computeIfAbsent(function, f -> new HashMap<>());
        synchronized (credit) {
            credit.keySet().retainAll(nodes.stream().map(NodeInfo::id).toList());
            NodeInfo best = null;
            double total = 0;
            for (NodeInfo n : nodes) {
                double w = weights.get(n.id());
                total += w;
                double c = credit.merge(n.id(), w, Double::sum);
                if (best == null || c > credit.get(best.id())) {
                    best = n;
                }
            }
            credit.merge(best.id(), -total, Double::sum);
            return best;
        }
    }

    /** How many nodes the function uses now. */
    int width(String function) {
        AtomicInteger w = widths.get(function);
        return w == null ? 0 : w.get();
    }

    /**
     * The weight {@code node} had in the last {@link #order} of {@code function}: 1 for hot, from
     * {@value #FIRST_SHARE} up to 1 for a node warming up; 1 when warmth played no part.
     */
    double weight(String function, String node) {
        Ramp r = ramps.get(function + "@" + node);
        return r == null ? 1.0 : r.weight;
    }

    /** Per function this gateway routed by warmth: each node's weight, as {@link #weight}. */
    Map<String, Map<String, Double>> weights() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        ramps.forEach((key, r) -> {
            int at = key.lastIndexOf('@');
            out.computeIfAbsent(key.substring(0, at), k -> new TreeMap<>()).put(key.substring(at + 1), r.weight);
        });
        return out;
    }

    void started(String function, String node) {
        inflight.computeIfAbsent(function + "@" + node, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A request {@link #started} on {@code node} is over; {@code served}: the node ran the function successfully. */
    void finished(String function, String node, boolean served) {
        AtomicInteger c = inflight.get(function + "@" + node);
        if (c != null) {
            c.decrementAndGet();
        }
        Ramp r = ramps.get(function + "@" + node);
        if (served && r != null) {
            r.served();
        }
    }

    private int load(String function, String node) {
        AtomicInteger c = inflight.get(function + "@" + node);
        return c == null ? 0 : c.get();
    }

    private Ramp ramp(String function, String node) {
        return ramps.computeIfAbsent(function + "@" + node, k -> new Ramp());
    }

    /** The warmth {@code n} reports for {@code function} at {@code version}; null when it reports none for it. */
    private static NodeInfo.Warmth reported(NodeInfo n, String function, long version) {
        return n.holds(function, version) ? n.warmth().get(function) : null;
    }

    private static int rank(NodeInfo.Warmth w) {
        if (w == null) {
            return 2;
        }
        return switch (w.state()) {
            case "hot" -> 0;
            case "warming" -> 1;
            default -> 2;
        };
    }

    /**
     * One node's ramp for one function: successful invocations this gateway saw it serve since it was last
     * reported cold after being warmer.
     */
    private static final class Ramp {
        private long served;
        private String lastState = "";
        private volatile double weight = 1.0;

        synchronized double observe(NodeInfo.Warmth reported, int rampInvocations) {
            String state = reported == null ? "" : reported.state();
            if ("cold".equals(state) && !lastState.isEmpty() && !"cold".equals(lastState)) {
                served = 0; // it lost its code: a restart or a new version
            }
            if (!state.isEmpty()) {
                lastState = state;
            }
            weight = "hot".equals(state) ? 1.0
                    : Math.min(1.0, FIRST_SHARE + (1.0 - FIRST_SHARE) * served / rampInvocations);
            return weight;
        }

        synchronized void served() {
            served++;
        }
    }

    static long score(String function, String node) {
        byte[] b = (function + "\u0000" + node).getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L; // FNV-1a 64, then a final mix so close ids spread
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
