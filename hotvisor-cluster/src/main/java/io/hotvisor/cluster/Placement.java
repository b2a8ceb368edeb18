package io.hotvisor.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 */
final class Placement {
    static final int GROW_AT = 4;
    static final long SHRINK_AFTER_MS = 10_000;

    private final LongSupplier millis;
    private final Map<String, AtomicInteger> widths = new ConcurrentHashMap<>();
    private final Map<String, Long> grownAt = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();

    Placement(LongSupplier millis) {
        this.millis = millis;
    }

    /** Nodes to try for {@code function}, best first. */
    List<NodeInfo> order(String function, List<NodeInfo> live) {
        List<NodeInfo> byHash = new ArrayList<>(live);
        byHash.sort(Comparator.comparingLong((NodeInfo n) -> score(function, n.id())).reversed());
        if (byHash.isEmpty()) {
            return byHash;
        }
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

    /** How many nodes the function uses now. */
    int width(String function) {
        AtomicInteger w = widths.get(function);
        return w == null ? 0 : w.get();
    }

    void started(String function, String node) {
        inflight.computeIfAbsent(function + "@" + node, k -> new AtomicInteger()).incrementAndGet();
    }

    void finished(String function, String node) {
        AtomicInteger c = inflight.get(function + "@" + node);
        if (c != null) {
            c.decrementAndGet();
        }
    }

    private int load(String function, String node) {
        AtomicInteger c = inflight.get(function + "@" + node);
        return c == null ? 0 : c.get();
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
