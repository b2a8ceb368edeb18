package io.hotvisor.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The invocations to send: the chosen functions of the window, each minute's count scaled, send times drawn uniformly
 * inside the minute (as the Graalvisor paper did), then divided by the time compression. Deterministic for a seed.
 *
 * @param functions   the replayed functions, each with the name it is deployed under and its scaled parameters
 * @param invocations every invocation, by send time
 */
record TraceSchedule(List<Target> functions, List<Invocation> invocations) {

    /**
     * One replayed trace function.
     *
     * @param name       deployed name, {@code trace-} and the start of its hash
     * @param function   the trace row
     * @param memoryMb   what each invocation allocates and touches (share x memory scale, at least 1)
     * @param durationMs how long each invocation runs (average, capped, compressed; at least 1)
     */
    record Target(String name, AzureTrace.Function function, int memoryMb, long durationMs) {
    }

    /** One call: {@code target} sent {@code atNanos} after the replay starts. */
    record Invocation(long atNanos, Target target) {
    }

    static TraceSchedule create(AzureTrace trace, TraceOptions o) {
        if (o.startMinute() + o.minutes() - 1 > trace.minutes()) {
            throw new TraceException("Window minutes " + o.startMinute() + ".." + (o.startMinute() + o.minutes() - 1)
                    + " is past the trace's last minute " + trace.minutes());
        }
        List<AzureTrace.Function> active = new ArrayList<>(trace.functions().stream()
                .filter(f -> f.invocations(o.startMinute(), o.minutes()) > 0).toList());
        if (active.isEmpty()) {
            throw new TraceException("No function of " + trace.directory() + " is invoked in minutes "
                    + o.startMinute() + ".." + (o.startMinute() + o.minutes() - 1));
        }
        Random random = new Random(o.seed());
        if (o.functions() > 0 && o.functions() < active.size()) {
            if (o.pick().equals("busiest")) {
                active.sort(Comparator.comparingLong((AzureTrace.Function f) -> f.invocations(o.startMinute(),
                        o.minutes())).reversed());
            } else {
                java.util.Collections.shuffle(active, random);
            }
            active = new ArrayList<>(active.subList(0, o.functions()));
        }
        List<Target> targets = new ArrayList<>();
        for (AzureTrace.Function f : active) {
            double ms = o.maxDurationMs() > 0 ? Math.min(f.averageMs(), o.maxDurationMs()) : f.averageMs();
            targets.add(new Target("trace-" + f.hash().substring(0, Math.min(12, f.hash().length())), f,
                    (int) Math.max(1, Math.round(f.memoryShareMb() * o.memoryScale())),
                    Math.max(1, Math.round(ms / o.timeCompression()))));
        }
        List<Invocation> invocations = new ArrayList<>();
        double minuteNanos = 60e9 / o.timeCompression();
        for (int m = 0; m < o.minutes(); m++) {
            for (Target t : targets) {
                double scaled = t.function().perMinute()[o.startMinute() - 1 + m] * o.invocationScale();
                // The fractional part of a scaled count is one more call with that probability.
                long count = (long) scaled + (random.nextDouble() < scaled - Math.floor(scaled) ? 1 : 0);
                for (long i = 0; i < count; i++) {
                    invocations.add(new Invocation((long) ((m + random.nextDouble()) * minuteNanos), t));
                }
            }
        }
        invocations.sort(Comparator.comparingLong(Invocation::atNanos));
        return new TraceSchedule(List.copyOf(targets), List.copyOf(invocations));
    }

    /** Length of the replayed window, ns (after compression). */
    long windowNanos(TraceOptions o) {
        return (long) (o.minutes() * 60e9 / o.timeCompression());
    }

    /**
     * What the schedule implies if every call ran exactly its duration: the peak of concurrently running calls and of
     * the memory they hold together (what one shared runtime must hold at least), and per function its peak of
     * concurrent calls (the instances a one-process-per-instance platform needs at least).
     */
    Map<String, Object> projection() {
        long[][] events = new long[invocations.size() * 2][];
        Map<Target, long[][]> perTarget = new LinkedHashMap<>();
        int k = 0;
        for (Invocation inv : invocations) {
            long end = inv.atNanos() + inv.target().durationMs() * 1_000_000;
            events[k++] = new long[] {inv.atNanos(), inv.target().memoryMb(), 1};
            events[k++] = new long[] {end, -inv.target().memoryMb(), -1};
        }
        Arrays.sort(events, Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[2]));
        long mb = 0;
        long running = 0;
        long peakMb = 0;
        long peakRunning = 0;
        for (long[] e : events) {
            mb += e[1];
            running += e[2];
            peakMb = Math.max(peakMb, mb);
            peakRunning = Math.max(peakRunning, running);
        }
        long instances = 0;
        long instanceMb = 0;
        for (Target t : functions) {
            int peak = peakConcurrency(t);
            instances += peak;
            instanceMb += (long) peak * t.memoryMb();
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("functions", functions.size());
        p.put("invocations", invocations.size());
        p.put("peak_concurrent_calls", peakRunning);
        p.put("peak_live_function_mb", peakMb);
        p.put("min_baseline_instances", instances);
        p.put("min_baseline_instance_function_mb", instanceMb);
        // A HotSpot JVM serving one small function holds about 64 MB besides the function's own data.
        p.put("baseline_estimate_mb", instanceMb + 64 * instances);
        return p;
    }

    /** The most calls of {@code t} running at once if each runs exactly its duration. */
    int peakConcurrency(Target t) {
        List<long[]> events = new ArrayList<>();
        for (Invocation inv : invocations) {
            if (inv.target() == t) {
                events.add(new long[] {inv.atNanos(), 1});
                events.add(new long[] {inv.atNanos() + t.durationMs() * 1_000_000, -1});
            }
        }
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int running = 0;
        int peak = 0;
        for (long[] e : events) {
            running += (int) e[1];
            peak = Math.max(peak, running);
        }
        return peak;
    }
}
