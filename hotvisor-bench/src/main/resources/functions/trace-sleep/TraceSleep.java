package hotvisor.trace;

import java.util.Map;

/**
 * The Azure trace replay's function, as the Graalvisor paper's Java "sleep" function: allocates {@code mb} MB, writes
 * one byte in every 4 KB page of it so that the memory is really resident, holds it while it sleeps {@code ms}
 * milliseconds, then returns. Parameters come in the event: {@code {"mb": 45, "ms": 2854}}. Plain JDK only, so the
 * same jar runs unchanged on Hotvisor and in the baseline's one-JVM-per-instance runner.
 */
public final class TraceSleep {
    private static final int CHUNK = 256 * 1024; // below G1's humongous threshold even with 1 MB regions

    private TraceSleep() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        long mb = number(event, "mb");
        long ms = number(event, "ms");
        byte[][] chunks = new byte[(int) (mb * (1024 * 1024 / CHUNK))][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = new byte[CHUNK];
            for (int j = 0; j < CHUNK; j += 4096) {
                chunks[i][j] = (byte) (i + j + 1);
            }
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of("interrupted", true);
        }
        long touched = 0;
        for (byte[] chunk : chunks) {
            touched += chunk[0] != 0 ? 1 : 0;
        }
        return Map.of("mb", mb, "ms", ms, "chunks", touched);
    }

    private static long number(Map<String, Object> event, String key) {
        Object v = event == null ? null : event.get(key);
        if (v instanceof Number n && n.longValue() >= 0) {
            return n.longValue();
        }
        throw new IllegalArgumentException("Event field '" + key + "' must be a number >= 0; got " + v);
    }
}
