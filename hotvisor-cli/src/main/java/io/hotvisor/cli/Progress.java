package io.hotvisor.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A "Deploying hello-py (python)... 2.3 s" line on stderr while a request is in flight. On a terminal the
 * line is redrawn in place every {@link #TICK} and erased at the end; otherwise it is printed once, so logs
 * and pipes get no '\r' noise.
 */
final class Progress {

    static final Duration TICK = Duration.ofMillis(250);

    private Progress() {
    }

    /** Waits for {@code pending}, showing {@code label} and the time so far; returns when it completes. */
    static void await(CompletableFuture<?> pending, String label, PrintWriter err, boolean interactive)
            throws InterruptedException {
        long start = System.nanoTime();
        if (!interactive) {
            err.println(label);
            err.flush();
            waitQuietly(pending, Long.MAX_VALUE);
            return;
        }
        int width = 0;
        while (!waitQuietly(pending, TICK.toMillis())) {
            String line = label + " " + seconds(System.nanoTime() - start);
            err.print("\r" + line);
            err.flush();
            width = Math.max(width, line.length());
        }
        if (width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }

    /** True once {@code pending} is done (normally or not) within {@code millis}. */
    private static boolean waitQuietly(CompletableFuture<?> pending, long millis) throws InterruptedException {
        try {
            pending.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            // the caller reads the failure from the future
        }
        return true;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
