package io.hotvisor.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop driver: one thread sends each invocation at its scheduled time with an asynchronous HTTP client, so a
 * slow answer never delays a later send; how late each send left is recorded. Every call carries
 * {@code Authorization: Bearer}. Outcomes: ok (200), rejected (429), failed (any other status: 502 function error,
 * 504 timeout, ...), dropped (no HTTP answer: connection refused or reset, or still unanswered at the deadline).
 */
final class TraceReplay {

    /** One call's outcome; {@code status} -1 = dropped. Times in ns of {@link System#nanoTime()}. */
    record Call(TraceSchedule.Invocation invocation, long sentNanos, long lateNanos, long endNanos, int status,
                boolean coldHeader, String error) {
    }

    private TraceReplay() {
    }

    /**
     * Replays {@code schedule} against {@code side} starting at {@code startNanos}, then waits for every answer until
     * the window's end plus twice the longest duration plus 3 minutes (the
     * request timeout).
     */
    static List<Call> run(TraceSide side, TraceSchedule schedule, TraceOptions o, long startNanos, HttpClient http) {
        List<CompletableFuture<Call>> calls = new ArrayList<>(schedule.invocations().size());
        long longestMs = schedule.functions().stream().mapToLong(TraceSchedule.Target::durationMs).max().orElse(0);
        for (TraceSchedule.Invocation inv : schedule.invocations()) {
            long due = startNanos + inv.atNanos();
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            long sent = System.nanoTime();
            String body = "{\"mb\":" + inv.target().memoryMb() + ",\"ms\":" + inv.target().durationMs() + "}";
            HttpRequest request = side.request("/v1/functions/" + inv.target().name() + "/invoke")
                    .timeout(Duration.ofMillis(2 * inv.target().durationMs() + 180_000))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                long end = System.nanoTime();
                if (e != null) {
                    return new Call(inv, sent, sent - due, end, -1, false, String.valueOf(e));
                }
                boolean cold = r.headers().firstValue("X-Hotvisor-Cold-Start").map("true"::equalsIgnoreCase)
                        .orElse(false);
                return new Call(inv, sent, sent - due, end, r.statusCode(), cold,
                        r.statusCode() == 200 ? null : r.body());
            }));
        }
        long deadline = startNanos + schedule.windowNanos(o) + TimeUnit.MILLISECONDS.toNanos(2 * longestMs + 180_000);
        List<Call> done = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            try {
                done.add(calls.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                TraceSchedule.Invocation inv = schedule.invocations().get(i);
                done.add(new Call(inv, 0, 0, System.nanoTime(), -1, false, "no answer by the deadline"));
            } catch (Exception e) {
                done.add(new Call(schedule.invocations().get(i), 0, 0, System.nanoTime(), -1, false, e.toString()));
            }
        }
        calls.forEach(c -> c.cancel(true));
        return done;
    }

    /** The summary row of one side: counts, latency, lateness, cold starts and memory. */
    static Map<String, Object> summary(String side, List<Call> calls, long coldStarts, long replayEndSecondsFromStart,
                                       List<MemorySampler.Sample> memory) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("side", side);
        row.put("scheduled", calls.size());
        long ok = calls.stream().filter(c -> c.status() == 200).count();
        long rejected = calls.stream().filter(c -> c.status() == 429).count();
        long dropped = calls.stream().filter(c -> c.status() == -1).count();
        long failed = calls.size() - ok - rejected - dropped;
        row.put("ok", ok);
        row.put("rejected_429", rejected);
        row.put("failed", failed);
        row.put("dropped", dropped);
        Map<Integer, Long> byStatus = new TreeMap<>();
        calls.forEach(c -> byStatus.merge(c.status(), 1L, Long::sum));
        row.put("by_status", byStatus.toString().replace(",", ";"));
        row.put("cold_starts", coldStarts);
        row.put("cold_start_headers", calls.stream().filter(Call::coldHeader).count());
        Samples latency = new Samples(calls.size());
        Samples overhead = new Samples(calls.size());
        Samples late = new Samples(calls.size());
        for (Call c : calls) {
            if (c.sentNanos() != 0) {
                late.add(c.lateNanos());
            }
            if (c.status() == 200) {
                latency.add(c.endNanos() - c.sentNanos());
                overhead.add(Math.max(0, c.endNanos() - c.sentNanos() - c.invocation().target().durationMs() * 1_000_000));
            }
        }
        percentiles(row, "latency_", latency);
        percentiles(row, "overhead_", overhead);
        row.put("send_lateness_p99_ms", late.size() == 0 ? 0 : us(late.percentileMs(99)));
        row.put("send_lateness_max_ms", late.size() == 0 ? 0 : us(late.maxMs()));
        List<MemorySampler.Sample> during = memory.stream().filter(s -> s.seconds() <= replayEndSecondsFromStart)
                .toList();
        row.put("memory_samples", during.size());
        row.put("rss_mean_mb", mean(during, MemorySampler.Sample::rssMb));
        row.put("rss_max_mb", max(during, MemorySampler.Sample::rssMb));
        row.put("instances_rss_mean_mb", mean(during, MemorySampler.Sample::instanceRssMb));
        row.put("instances_rss_max_mb", max(during, MemorySampler.Sample::instanceRssMb));
        row.put("pss_mean_mb", mean(during, MemorySampler.Sample::pssMb));
        row.put("pss_max_mb", max(during, MemorySampler.Sample::pssMb));
        row.put("processes_max", during.stream().mapToInt(MemorySampler.Sample::processes).max().orElse(0));
        row.put("first_error", calls.stream().filter(c -> c.error() != null).map(c -> c.status() + " "
                + c.error().replaceAll("[\\s,]+", " ")).map(e -> e.substring(0, Math.min(200, e.length())))
                .findFirst().orElse(""));
        return row;
    }

    private static void percentiles(Map<String, Object> row, String prefix, Samples s) {
        boolean any = s.size() > 0;
        row.put(prefix + "p50_ms", any ? us(s.medianMs()) : 0);
        row.put(prefix + "p99_ms", any ? us(s.percentileMs(99)) : 0);
        row.put(prefix + "p999_ms", any ? us(s.percentileMs(99.9)) : 0);
        row.put(prefix + "max_ms", any ? us(s.maxMs()) : 0);
    }

    /** Milliseconds to the microsecond. */
    private static double us(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    private static double mean(List<MemorySampler.Sample> s, java.util.function.ToDoubleFunction<MemorySampler.Sample> f) {
        return Math.round(s.stream().mapToDouble(f).average().orElse(0) * 10) / 10.0;
    }

    private static double max(List<MemorySampler.Sample> s, java.util.function.ToDoubleFunction<MemorySampler.Sample> f) {
        return Math.round(s.stream().mapToDouble(f).max().orElse(0) * 10) / 10.0;
    }
}
