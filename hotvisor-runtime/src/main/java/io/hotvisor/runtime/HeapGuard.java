package io.hotvisor.runtime;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Refuses new invocations while the node's heap is nearly full, so that the node answers "retry later"
 * ({@link InvocationFailure.Kind#OVERLOADED}, HTTP 429) instead of risking an {@link OutOfMemoryError} that would
 * fail every function on it; and says when the heap is under enough pressure that each invocation's
 * {@code memoryMb} is enforced ({@link #enforcesMemoryLimits()}).
 *
 * <p>The default measure is the heap in use <em>after the most recent garbage collection</em>, as a fraction of
 * the maximum heap: heap in use at an arbitrary moment counts garbage too and would refuse work on a healthy
 * node just before a young collection. It is read from the JVM's GC notifications, so a check costs one volatile
 * read. With G1, old-generation objects that died since the last marking still count until the next concurrent
 * cycle reclaims them; that errs on the side of refusing. Until the first collection the heap in use now is used.
 *
 * @see FunctionDispatcher#submit(String, String)
 */
public final class HeapGuard {
    /** Default {@link #threshold()}: 0.85, i.e. 85% of the maximum heap. */
    public static final double DEFAULT_THRESHOLD = 0.85;

    /**
     * Default {@link #memoryLimitsAbove()}: 0.5. Below it, an invocation's garbage is no threat and {@code memoryMb}
     * is not enforced: the allocation counter cannot tell garbage from what an invocation keeps, and a CPU-bound
     * loop running in Truffle's interpreter allocates hundreds of MB of garbage in a second.
     */
    public static final double DEFAULT_MEMORY_LIMITS_ABOVE = 0.5;

    private static final HeapGuard DISABLED = new HeapGuard(() -> 0, Double.POSITIVE_INFINITY,
            Double.POSITIVE_INFINITY);

    private final DoubleSupplier heapFraction;
    private final double threshold;
    private final double memoryLimitsAbove;

    private HeapGuard(DoubleSupplier heapFraction, double threshold, double memoryLimitsAbove) {
        this.heapFraction = heapFraction;
        this.threshold = threshold;
        this.memoryLimitsAbove = memoryLimitsAbove;
    }

    /** Refuses above {@value #DEFAULT_THRESHOLD} of the maximum heap, measured after GC. */
    public static HeapGuard defaults() {
        return create(DEFAULT_THRESHOLD);
    }

    /** Refuses above {@code threshold} (a fraction in (0, 1]) of the maximum heap, measured after GC. */
    public static HeapGuard create(double threshold) {
        return create(HeapAfterGc::fraction, threshold);
    }

    /**
     * Refuses when {@code heapFraction} (heap in use as a fraction of the maximum, 0 to 1) is above
     * {@code threshold}; for tests, or for another measure of memory pressure.
     */
    public static HeapGuard create(DoubleSupplier heapFraction, double threshold) {
        return create(heapFraction, threshold, Math.min(DEFAULT_MEMORY_LIMITS_ABOVE, threshold));
    }

    /**
     * As {@link #create(DoubleSupplier, double)}, and enforces invocations' memory limits while the heap is above
     * {@code memoryLimitsAbove} (0 to enforce them always).
     */
    public static HeapGuard create(DoubleSupplier heapFraction, double threshold, double memoryLimitsAbove) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], was " + threshold);
        }
        if (!(memoryLimitsAbove >= 0 && memoryLimitsAbove <= threshold)) {
            throw new IllegalArgumentException("memoryLimitsAbove must be in [0, threshold], was " + memoryLimitsAbove);
        }
        return new HeapGuard(Objects.requireNonNull(heapFraction, "heapFraction"), threshold, memoryLimitsAbove);
    }

    /** Never refuses. */
    public static HeapGuard disabled() {
        return DISABLED;
    }

    /** The fraction of the maximum heap above which new invocations are refused. */
    public double threshold() {
        return threshold;
    }

    /** The fraction of the maximum heap above which invocations' {@code memoryMb} limits are enforced. */
    public double memoryLimitsAbove() {
        return memoryLimitsAbove;
    }

    /**
     * Whether an invocation that allocated more than its {@code memoryMb} is to be stopped now: only while the heap
     * is above {@link #memoryLimitsAbove()}. A memory bomb keeps what it allocates and so creates that pressure
     * itself; a function that only makes garbage does not, and is left alone.
     */
    public boolean enforcesMemoryLimits() {
        return this != DISABLED && heapFraction.getAsDouble() >= memoryLimitsAbove;
    }

    /** The heap in use, as a fraction of the maximum, by this guard's measure. */
    public double heapFraction() {
        return heapFraction.getAsDouble();
    }

    /**
     * Checks the heap now.
     *
     * @return the {@code OVERLOADED} failure to answer with if the heap is above the threshold; empty otherwise
     */
    public Optional<InvocationFailure> check() {
        if (this == DISABLED) {
            return Optional.empty();
        }
        double used = heapFraction.getAsDouble();
        if (used <= threshold) {
            return Optional.empty();
        }
        return Optional.of(InvocationFailure.of(InvocationFailure.Kind.OVERLOADED,
                "The node is short of memory: heap " + percent(used) + "% used (limit " + percent(threshold)
                        + "%); retry later"));
    }

    private static long percent(double fraction) {
        return Math.round(fraction * 100);
    }

    @Override
    public String toString() {
        return this == DISABLED ? "HeapGuard[disabled]" : "HeapGuard[threshold=" + threshold + "]";
    }

    /** The heap in use after the last GC, kept up to date by GC notifications registered on first use. */
    private static final class HeapAfterGc {
        private static final long MAX = Runtime.getRuntime().maxMemory();
        private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
        private static volatile long usedAfterGc = -1;

        static {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((n, handback) -> {
                        if (n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                            record(GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()));
                        }
                    }, null, null);
                }
            }
        }

        private static void record(GarbageCollectionNotificationInfo info) {
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (HEAP_POOLS.contains(e.getKey())) {
                    used += e.getValue().getUsed();
                }
            }
            usedAfterGc = used;
        }

        static double fraction() {
            long used = usedAfterGc;
            if (used < 0) {
                used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            }
            return MAX <= 0 || MAX == Long.MAX_VALUE ? 0 : (double) used / MAX;
        }
    }
}
