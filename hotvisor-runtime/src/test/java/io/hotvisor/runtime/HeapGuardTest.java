package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The node's heap guard: when it refuses, and how it keeps its reading from going stale. */
class HeapGuardTest {
    /** Counts what a guard tells its refresher. */
    private static final class CountingRefresher implements HeapGuard.Refresher {
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public void readingRefused() {
            refused.incrementAndGet();
        }

        @Override
        public void memoryReleased() {
            released.incrementAndGet();
        }
    }

    @Test
    void asks_for_a_fresh_reading_only_when_it_refuses() {
        CountingRefresher refresher = new CountingRefresher();
        double[] heap = {0.40};
        HeapGuard guard = HeapGuard.create(() -> heap[0], 0.85, 0.5, refresher);

        assertThat(guard.check()).isEmpty();
        assertThat(refresher.refused).hasValue(0);

        heap[0] = 0.97;
        assertThat(guard.check()).hasValueSatisfying(f -> assertThat(f.kind())
                .isEqualTo(InvocationFailure.Kind.OVERLOADED));
        assertThat(refresher.refused).hasValue(1);

        guard.memoryReleased();
        assertThat(refresher.released).hasValue(1);
    }

    @Test
    void the_jvm_guard_collects_garbage_when_told_that_memory_was_released() throws Exception {
        long before = collections();

        HeapGuard.defaults().memoryReleased();

        // The collection runs on a thread of its own; an idle test JVM would not collect by itself this soon.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (collections() == before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(collections()).isGreaterThan(before);
    }

    @Test
    void the_jvm_guard_sees_large_arrays_kept_by_a_bomb_before_any_collection_does() {
        HeapGuard guard = HeapGuard.defaults();
        double before = guard.pressure();
        // Large arrays go straight to the old generation (G1 humongous regions) and fill no young generation, so no
        // collection needs to happen while they pile up, and the reading after the last GC would not move.
        long target = (long) (Runtime.getRuntime().maxMemory() * 0.12);
        List<byte[]> kept = new ArrayList<>();
        for (long held = 0; held < target; held += 4 << 20) {
            kept.add(new byte[4 << 20]);
        }

        assertThat(guard.pressure()).isGreaterThanOrEqualTo(before + 0.10);
        assertThat(kept).isNotEmpty();
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }
}
