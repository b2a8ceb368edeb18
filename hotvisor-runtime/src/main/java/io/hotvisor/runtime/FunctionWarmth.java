package io.hotvisor.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The latency trajectory and warmth of one function version on one node; see {@link WarmthTracker} for the rules.
 * Thread-safe: every method is synchronized (invocations of one function finish on several worker threads, and
 * each update is a few array operations).
 */
final class FunctionWarmth {
    /**
     * A lasting rise to more than this many times the steady state is not taken as a new level within a few calls: a
     * fall back to the interpreter or to a lower tier costs that much or more (the Ignite paper: 2.7x for JavaScript,
     * up to 55x for Java), while the compiled levels GraalPy moved between here were 1.4-1.5x apart.
     */
    private static final double LEVEL_SHIFT_LIMIT = 2.0;
    private final WarmthOptions options;
    private final long version;
    /** The first latencies, grown on demand up to {@code firstInvocations}: most functions run only a few times. */
    private long[] first = new long[8];
    private int firstCount;
    /** The last {@code window} latencies, a ring: {@code recent[(next - 1) mod window]} is the newest. */
    private final long[] recent;
    private int next;
    private long count;
    private boolean settled;
    /** The count at which the current latency level began: the steady state is the median since then. */
    private long levelStart;
    private long fleetBest;
    private long remembered;
    private long hot;
    private long warming;
    private Warmth.State state = Warmth.State.COLD;

    FunctionWarmth(WarmthOptions options, long version) {
        this.options = options;
        this.version = version;
        this.recent = new long[options.window()];
    }

    long version() {
        return version;
    }

    /** Records one successful invocation; returns the state it ran in, judged with its own latency. */
    synchronized Warmth.State record(long nanos) {
        long latency = Math.max(1, nanos);
        if (firstCount < options.firstInvocations()) {
            if (firstCount == first.length) {
                first = Arrays.copyOf(first, Math.min(options.firstInvocations(), first.length * 2));
            }
            first[firstCount++] = latency;
        }
        recent[next] = latency;
        next = (next + 1) % recent.length;
        count++;
        int k = options.floorWindow();
        if (!settled && count >= 2L * k) {
            // Stopped falling: the newest k are not much faster than the oldest k still held. Comparing across the
            // whole window (not two adjacent k) catches a slow JIT curve, which falls little between neighbours.
            int held = (int) Math.min(count, recent.length);
            settled = floor(0, k) * options.settleRatio() >= floor(held - k, k);
        }
        if (settled) {
            followLevel();
        }
        state = judge();
        if (state == Warmth.State.HOT) {
            hot++;
        } else {
            warming++;
        }
        return state;
    }

    /** Whether the latency stopped falling. */
    synchronized boolean settled() {
        return settled;
    }

    /** Sets the cluster's best steady state for this version; 0 when none is known. */
    synchronized void fleetBest(long nanos) {
        fleetBest = Math.max(0, nanos);
        if (count > 0) {
            state = judge();
        }
    }

    /** Sets the steady state this node measured for this version before it restarted; 0 when none. */
    synchronized void remembered(long nanos) {
        remembered = Math.max(0, nanos);
        if (count > 0) {
            state = judge();
        }
    }

    /** What is known now; {@code trajectory} false leaves out the two lists (cheap, for metrics and heartbeats). */
    synchronized Warmth snapshot(boolean trajectory) {
        long steady = steadyState();
        long reference = reference(steady);
        Warmth.Reference source = reference == 0 ? Warmth.Reference.NONE
                : reference == steady || reference != fleetBest ? Warmth.Reference.NODE : Warmth.Reference.FLEET;
        List<Long> firstList = new ArrayList<>();
        List<Long> recentList = new ArrayList<>();
        if (trajectory) {
            for (int i = 0; i < firstCount; i++) {
                firstList.add(first[i]);
            }
            for (int i = (int) Math.min(count, recent.length); i >= 1; i--) {
                recentList.add(recent[Math.floorMod(next - i, recent.length)]);
            }
        }
        return new Warmth(version, state, steady, fleetBest, reference, source,
                count == 0 ? 0 : floor(0, options.floorWindow()), hot, warming, firstCount == 0 ? 0 : first[0],
                firstList, recentList);
    }

    /**
     * Hysteresis: a function becomes hot when most of its recent calls are fast (the median of the last
     * {@code floorWindow} within the factor), and stays hot until all of them are slow (their floor above it). With
     * one rule for both, the floor alone called a function hot on its first fast call while most calls were still
     * slow (a gateway then gave it a full share too early), and the median alone flickered on a busy machine.
     */
    private Warmth.State judge() {
        long reference = reference(steadyState());
        if (reference == 0) {
            return Warmth.State.WARMING;
        }
        double limit = reference * options.hotFactor();
        long judged = state == Warmth.State.HOT ? floor(0, options.floorWindow()) : median(options.floorWindow());
        return judged <= limit ? Warmth.State.HOT : Warmth.State.WARMING;
    }

    /**
     * The lowest of this node's steady state (or, until it has one, the one it remembered from before a restart) and
     * the fleet's best, whichever are known; 0 if none.
     */
    private long reference(long steady) {
        long own = steady > 0 ? steady : remembered;
        if (own == 0 || (fleetBest > 0 && fleetBest < own)) {
            return fleetBest;
        }
        return own;
    }

    /**
     * Starts a new level, from the newest {@code floorWindow} calls, when all of them are outside the hot factor of
     * the level's calls before them (their median, over at least {@code floorWindow} calls): below it, or above it
     * by at most {@link #LEVEL_SHIFT_LIMIT}. Without this, the median of the window followed a lasting change only
     * after half a window of calls, and a node that had moved to another compiled level kept reporting its old one to
     * the fleet (GraalPy 25.0.3 moved a JSON transform from ~20.5 ms to ~29 ms on every node that ran it long enough;
     * a node's 20.6 ms, 21 of its last 32 calls, stayed the fleet's reference and the other nodes' ~29 ms counted not
     * hot). A larger rise is left to the window, as before.
     */
    private void followLevel() {
        int k = options.floorWindow();
        if (count - levelStart < 2L * k) {
            return;
        }
        long before = median(k, levelCalls() - k);
        long floor = floor(0, k);
        boolean rose = floor > before * options.hotFactor() && floor <= before * LEVEL_SHIFT_LIMIT;
        boolean fell = ceiling(k) * options.hotFactor() < before;
        if (rose || fell) {
            levelStart = count - k;
        }
    }

    /** The median of the current level's calls in the recent window once settled, else 0. */
    private long steadyState() {
        return settled ? median(levelCalls()) : 0;
    }

    /** How many of the current level's calls the recent window holds. */
    private int levelCalls() {
        return (int) Math.min(recent.length, count - levelStart);
    }

    /** The median of the last {@code k} latencies, as many as there are. */
    private long median(int k) {
        return median(0, k);
    }

    /** The median of {@code k} latencies, skipping the {@code skip} newest; as many as there are. */
    private long median(int skip, int k) {
        int n = (int) Math.min(Math.min(count, recent.length) - skip, k);
        long[] sorted = new long[n];
        for (int i = 1; i <= n; i++) {
            sorted[i - 1] = recent[Math.floorMod(next - skip - i, recent.length)];
        }
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The slowest of the last {@code k} latencies, as many as there are. */
    private long ceiling(int k) {
        int available = (int) Math.min(count, recent.length);
        long max = 0;
        for (int i = 1; i <= Math.min(k, available); i++) {
            max = Math.max(max, recent[Math.floorMod(next - i, recent.length)]);
        }
        return max;
    }

    /** The fastest of {@code k} latencies, skipping the {@code skip} newest; as many as there are. */
    private long floor(int skip, int k) {
        int available = (int) Math.min(count, recent.length) - skip;
        long min = Long.MAX_VALUE;
        for (int i = 1; i <= Math.min(k, available); i++) {
            min = Math.min(min, recent[Math.floorMod(next - skip - i, recent.length)]);
        }
        return min;
    }
}
