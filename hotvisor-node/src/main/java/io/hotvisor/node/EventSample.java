package io.hotvisor.node;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded sample of a function's recent real events, for warm-up replays (issue 6, mechanism 2): the last
 * {@value #MAX_EVENTS} events of successful invocations, each at most {@value #MAX_EVENT_BYTES} bytes of UTF-8 (a
 * bigger event is not sampled). Kept only for a function deployed with {@code "warmupSampling": true}: events may
 * hold private data. Thread-safe.
 */
final class EventSample {
    /** The most events kept per function. */
    static final int MAX_EVENTS = 16;
    /** The largest event kept, in bytes of UTF-8. */
    static final int MAX_EVENT_BYTES = 64 * 1024;

    private final String[] ring = new String[MAX_EVENTS];
    private int next;
    private int size;
    private boolean dirty;

    /** A sample holding {@code events} (oldest first), as far as the bounds allow; not dirty. */
    static EventSample of(List<String> events) {
        EventSample s = new EventSample();
        events.forEach(s::offer);
        s.dirty = false;
        return s;
    }

    /** Keeps {@code eventJson} as the newest event, dropping the oldest when full; ignores one too big. */
    synchronized void offer(String eventJson) {
        // A char is at least one byte and at most three: count exactly only in between.
        if (eventJson.length() > MAX_EVENT_BYTES || eventJson.length() * 3L > MAX_EVENT_BYTES
                && eventJson.getBytes(StandardCharsets.UTF_8).length > MAX_EVENT_BYTES) {
            return;
        }
        ring[next] = eventJson;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
        dirty = true;
    }

    /** The events, oldest first. */
    synchronized List<String> events() {
        List<String> out = new ArrayList<>(size);
        for (int i = size; i >= 1; i--) {
            out.add(ring[Math.floorMod(next - i, ring.length)]);
        }
        return out;
    }

    /** Whether events came since the last call. */
    synchronized boolean takeDirty() {
        boolean d = dirty;
        dirty = false;
        return d;
    }
}
