package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Resident set sizes from {@code /proc/PID/status} (VmRSS), as the kernel counts them: Linux only. */
final class ProcMemory {

    private ProcMemory() {
    }

    /** The RSS of {@code pid} in bytes, or empty once the process is gone (or on a system without /proc). */
    static OptionalLong rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim();
                    return OptionalLong.of(Long.parseLong(kb.substring(0, kb.indexOf(' '))) * 1024);
                }
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** The sum of the RSS of {@code pids}; processes that are gone count 0. */
    static long sumRssBytes(Iterable<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += rssBytes(pid).orElse(0);
        }
        return sum;
    }
}
