package io.hotvisor.runtime;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * A reading that may be stale (refusing while no collection happened for a second, or after a memory bomb was
 * stopped) is refreshed by asking the JVM for a collection; see {@link #memoryReleased()}.
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

    /** What a guard on another measure than the JVM's own does to refresh it: nothing. */
    private static final Refresher NO_REFRESH = new Refresher() {
        @Override
        public void readingRefused() {
        }

        @Override
        public void memoryReleased() {
        }
    };

    private static final HeapGuard DISABLED = new HeapGuard(() -> 0, () -> 0, Double.POSITIVE_INFINITY,
            Double.POSITIVE_INFINITY, NO_REFRESH);

    private final DoubleSupplier heapFraction;
    private final DoubleSupplier pressure;
    private final double threshold;
    private final double memoryLimitsAbove;
    private final Refresher refresher;

    private HeapGuard(DoubleSupplier heapFraction, DoubleSupplier pressure, double threshold, double memoryLimitsAbove,
                      Refresher refresher) {
        this.heapFraction = heapFraction;
        this.pressure = pressure;
        this.threshold = threshold;
        this.memoryLimitsAbove = memoryLimitsAbove;
        this.refresher = refresher;
    }

    /** Refuses above {@value #DEFAULT_THRESHOLD} of the maximum heap, measured after GC. */
    public static HeapGuard defaults() {
        return create(DEFAULT_THRESHOLD);
    }

    /** Refuses above {@code threshold} (a fraction in (0, 1]) of the maximum heap, measured after GC. */
    public static HeapGuard create(double threshold) {
        checkThreshold(threshold);
        return new HeapGuard(HeapAfterGc::fraction, HeapAfterGc::pressure, threshold,
                Math.min(DEFAULT_MEMORY_LIMITS_ABOVE, threshold), HeapAfterGc.REFRESHER);
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
        return create(heapFraction, threshold, memoryLimitsAbove, NO_REFRESH);
    }

    /**
     * As {@link #create(DoubleSupplier, double, double)}, with {@code refresher} told when the measure may be stale;
     * for tests of the refreshing.
     */
    static HeapGuard create(DoubleSupplier heapFraction, double threshold, double memoryLimitsAbove,
                            Refresher refresher) {
        checkThreshold(threshold);
        if (!(memoryLimitsAbove >= 0 && memoryLimitsAbove <= threshold)) {
            throw new IllegalArgumentException("memoryLimitsAbove must be in [0, threshold], was " + memoryLimitsAbove);
        }
        Objects.requireNonNull(heapFraction, "heapFraction");
        return new HeapGuard(heapFraction, heapFraction, threshold, memoryLimitsAbove,
                Objects.requireNonNull(refresher, "refresher"));
    }

    private static void checkThreshold(double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], was " + threshold);
        }
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
        return this != DISABLED && pressure.getAsDouble() >= memoryLimitsAbove;
    }

    /**
     * The memory pressure that {@link #enforcesMemoryLimits()} compares with {@link #memoryLimitsAbove()}, as a
     * fraction of the maximum heap. The JVM's guard takes the larger of the heap after the last GC and the old
     * generation in use now: a bomb of large arrays (G1 allocates them straight into the old generation) fills no
     * young generation, so no collection updates the after-GC reading while it grows; the old generation shows it
     * at once. Garbage that dies young, which is most of what a busy loop makes, does not reach it; large arrays
     * made and dropped in a loop do, until a collection reclaims them, and can make the limit hold a little early.
     */
    public double pressure() {
        return pressure.getAsDouble();
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
        refresher.readingRefused();
        return Optional.of(InvocationFailure.of(InvocationFailure.Kind.OVERLOADED,
                "The node is short of memory: heap " + percent(used) + "% used (limit " + percent(threshold)
                        + "%); retry later"));
    }

    /**
     * Says that an invocation stopped for exceeding its memory limit has ended: what it held is garbage now, but
     * the reading after the last GC still counts it until the next collection, and an idle node may not collect
     * for a long time. The JVM's guard asks for a collection (at most one a second) so that the node accepts work
     * again at once.
     */
    public void memoryReleased() {
        refresher.memoryReleased();
    }

    private static long percent(double fraction) {
        return Math.round(fraction * 100);
    }

    @Override
    public String toString() {
        return this == DISABLED ? "HeapGuard[disabled]" : "HeapGuard[threshold=" + threshold + "]";
    }

    /** Told when the guard's reading may be stale, so that it can be refreshed. */
    interface Refresher {
        /** The guard refused work on its current reading. */
        void readingRefused();

        /** Memory held by an invocation became garbage. */
        void memoryReleased();
    }

    /**
     * The heap in use after the last GC, kept up to date by GC notifications registered on first use.
     *
     * <p>That reading goes stale when the heap was full at the last collection and nothing has allocated since:
     * a memory bomb was stopped and the node went idle, or refuses everything. Then the guard asks for a
     * collection ({@link System#gc()}, on a thread of its own, at most one per {@link #MIN_REFRESH_NANOS}); a node
     * that refuses work while no collection has happened for that long asks too. A node truly short of memory
     * gets the same reading back, and keeps refusing.
     */
    private static final class HeapAfterGc {
        private static final long MIN_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
        private static final AtomicLong LAST_REQUEST =
                new AtomicLong(System.nanoTime() - MIN_REFRESH_NANOS);
        private static volatile long lastGcNanos = System.nanoTime();
        static final Refresher REFRESHER = new Refresher() {
            @Override
            public void readingRefused() {
                if (System.nanoTime() - lastGcNanos >= MIN_REFRESH_NANOS) {
                    requestCollection();
                }
            }

            @Override
            public void memoryReleased() {
                requestCollection();
            }
        };

        private static final long MAX = Runtime.getRuntime().maxMemory();
        private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
        /** The old generation's pools (G1 Old Gen, PS Old Gen, Tenured Gen, ZGC Old Generation). */
        private static final List<MemoryPoolMXBean> OLD_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()
                        && (p.getName().contains("Old") || p.getName().contains("Tenured")))
                .toList();
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
            lastGcNanos = System.nanoTime();
        }

        private static void requestCollection() {
            long now = System.nanoTime();
            long last = LAST_REQUEST.get();
            if (now - last < MIN_REFRESH_NANOS || !LAST_REQUEST.compareAndSet(last, now)) {
                return;
            }
            Thread.ofPlatform().daemon().name("hotvisor-heap-refresh").start(System::gc);
        }

        static double pressure() {
            long old = 0;
            for (MemoryPoolMXBean pool : OLD_POOLS) {
                old += pool.getUsage().getUsed();
            }
            return Math.max(fraction(), MAX <= 0 || MAX == Long.MAX_VALUE ? 0 : (double) old / MAX);
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
