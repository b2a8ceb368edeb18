package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples a side's memory every second from /proc: the sum of RSS ({@code VmRSS} of {@code /proc/<pid>/status}) over
 * its whole process tree, the same without the front process(es), and the sum of PSS ({@code smaps_rollup}), which
 * splits pages shared between processes (the JDK's class data sharing archive, libraries) instead of counting them
 * once per process as a sum of RSS does.
 */
final class MemorySampler implements AutoCloseable {

    /**
     * One sample; MB are MiB.
     *
     * @param seconds      since the replay started
     * @param rssMb        sum of RSS over all the side's processes
     * @param instanceRssMb sum of RSS over the function instances only (the baseline; 0 for the node)
     * @param pssMb        sum of PSS over all the side's processes, as of the latest PSS sample (every 5 s)
     * @param processes    how many processes were counted
     */
    record Sample(double seconds, double rssMb, double instanceRssMb, double pssMb, int processes) {
    }

    private final TraceSide side;
    private final long startNanos;
    private final List<Sample> samples = new ArrayList<>();
    private volatile double lastPssMb;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "memory-sampler");
        t.setDaemon(true);
        return t;
    });

    private MemorySampler(TraceSide side, long startNanos) {
        this.side = side;
        this.startNanos = startNanos;
    }

    /** Starts sampling now, once a second, with times counted from {@code startNanos} ({@link System#nanoTime()}). */
    static MemorySampler start(TraceSide side, long startNanos) {
        MemorySampler s = new MemorySampler(side, startNanos);
        s.samplePss();
        s.timer.scheduleAtFixedRate(s::sample, 0, 1, TimeUnit.SECONDS);
        s.timer.scheduleWithFixedDelay(s::samplePss, 5, 5, TimeUnit.SECONDS);
        return s;
    }

    /**
     * PSS on a thread of its own, every 5 s: reading {@code smaps_rollup} walks a process's page tables and waits
     * for a busy JVM's memory map lock, which on a loaded machine stalled the once-a-second RSS samples for tens of
     * seconds. Each RSS sample carries the latest PSS.
     */
    private void samplePss() {
        try {
            lastPssMb = side.processes().all().mapToLong(pid -> kb(pid, "smaps_rollup", "Pss:")).sum() / 1024.0;
        } catch (RuntimeException e) {
            System.err.println("PSS sample failed: " + e);
        }
    }

    private void sample() {
        try {
            TraceSide.Processes p = side.processes();
            double rss = p.all().mapToLong(pid -> kb(pid, "status", "VmRSS:")).sum() / 1024.0;
            double instances = p.instances().stream().mapToLong(pid -> kb(pid, "status", "VmRSS:")).sum() / 1024.0;
            Sample s = new Sample((System.nanoTime() - startNanos) / 1e9, rss, instances, lastPssMb,
                    (int) p.all().count());
            synchronized (samples) {
                samples.add(s);
            }
        } catch (RuntimeException e) {
            // Never let one bad read stop the timer; a missing second shows in the series.
            System.err.println("memory sample failed: " + e);
        }
    }

    /** A {@code kB} field of {@code /proc/<pid>/<file>}; 0 if the process has gone. */
    static long kb(long pid, String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), file))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone between listing and reading
        }
        return 0;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
