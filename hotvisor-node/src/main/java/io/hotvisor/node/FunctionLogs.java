package io.hotvisor.node;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent output of one namespace's functions on this node ({@code GET /v1/functions/{name}/logs}): per function,
 * the lines it printed while serving invocations (stdout and stderr, its Java {@code LambdaLogger}), each with its
 * time, version and invocation id, the newest {@value #MAX_LINES} lines and at most {@value #MAX_CHARS} characters;
 * older lines are dropped and counted. Kept in memory only: a restart starts empty, and a function's lines go with
 * it when it is deleted. What a function prints while its code loads, or from a thread of its own, reaches only the
 * node's log (see {@code io.hotvisor.runtime.OutputTap}).
 */
final class FunctionLogs {
    static final int MAX_LINES = 500;
    static final int MAX_CHARS = 64 * 1024;

    /** One line; {@code invocationId} may be null (an invocation made without one). */
    record Line(Instant time, long version, String invocationId, boolean stderr, String text) {
    }

    /** What {@link #recent} found: the lines, oldest first, and how many older lines were dropped over time. */
    record Recent(List<Line> lines, long dropped) {
    }

    private final Clock clock;
    private final Map<String, Buffer> byFunction = new ConcurrentHashMap<>();

    FunctionLogs(Clock clock) {
        this.clock = clock;
    }

    void add(String function, long version, String invocationId, boolean stderr, String text) {
        byFunction.computeIfAbsent(function, f -> new Buffer())
                .add(new Line(clock.instant(), version, invocationId, stderr, text));
    }

    /**
     * The newest {@code limit} lines of {@code function} (of {@code invocationId} only, when given), oldest first.
     */
    Recent recent(String function, Optional<String> invocationId, int limit) {
        Buffer b = byFunction.get(function);
        return b == null ? new Recent(List.of(), 0) : b.recent(invocationId, limit);
    }

    /** Forgets a deleted function's lines. */
    void forget(String function) {
        byFunction.remove(function);
    }

    private static final class Buffer {
        private final ArrayDeque<Line> lines = new ArrayDeque<>();
        private int chars;
        private long dropped;

        synchronized void add(Line line) {
            lines.addLast(line);
            chars += line.text().length();
            while (lines.size() > MAX_LINES || chars > MAX_CHARS && lines.size() > 1) {
                chars -= lines.removeFirst().text().length();
                dropped++;
            }
        }

        synchronized Recent recent(Optional<String> invocationId, int limit) {
            List<Line> newestFirst = new ArrayList<>();
            for (Iterator<Line> it = lines.descendingIterator(); it.hasNext() && newestFirst.size() < limit; ) {
                Line l = it.next();
                if (invocationId.isEmpty() || Objects.equals(invocationId.get(), l.invocationId())) {
                    newestFirst.add(l);
                }
            }
            return new Recent(newestFirst.reversed(), dropped);
        }
    }
}
