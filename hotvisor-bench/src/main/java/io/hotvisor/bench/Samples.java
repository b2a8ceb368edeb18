package io.hotvisor.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Durations in nanoseconds, summarized in milliseconds (nearest-rank percentiles). */
final class Samples {
    private final long[] nanos;
    private int size;

    Samples(int capacity) {
        this.nanos = new long[capacity];
    }

    void add(long durationNanos) {
        nanos[size++] = durationNanos;
    }

    int size() {
        return size;
    }

    /** The {@code p}-th percentile (0 < p <= 100) in milliseconds, by nearest rank. */
    double percentileMs(double p) {
        if (size == 0) {
            throw new IllegalStateException("No samples");
        }
        long[] sorted = Arrays.copyOf(nanos, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    double medianMs() {
        return percentileMs(50);
    }

    double meanMs() {
        return Arrays.stream(nanos, 0, size).average().orElseThrow() / 1e6;
    }

    double minMs() {
        return Arrays.stream(nanos, 0, size).min().orElseThrow() / 1e6;
    }

    double maxMs() {
        return Arrays.stream(nanos, 0, size).max().orElseThrow() / 1e6;
    }

    /** median, p90, p99, mean, min, max in ms, rounded to the ns, under names prefixed by {@code prefix}. */
    Map<String, Object> summary(String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "median_ms", round(medianMs()));
        m.put(prefix + "p90_ms", round(percentileMs(90)));
        m.put(prefix + "p99_ms", round(percentileMs(99)));
        m.put(prefix + "mean_ms", round(meanMs()));
        m.put(prefix + "min_ms", round(minMs()));
        m.put(prefix + "max_ms", round(maxMs()));
        return m;
    }

    /** Rounds to the nanosecond: a Java sandbox is made in well under a microsecond. */
    static double round(double ms) {
        return Math.round(ms * 1_000_000.0) / 1_000_000.0;
    }
}
