package io.hotvisor.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link WarmthTracker} judges whether a function runs hot.
 *
 * @param hotFactor        a function is hot while its recent floor is at most this many times its reference
 *                         steady state; defaults to 1.3
 * @param firstInvocations how many of the first invocations of a version keep their latency (the start of the
 *                         trajectory, the Ignite paper's "first N invocations"); defaults to 200
 * @param window           how many recent latencies are kept; the steady state is their median; defaults to 32
 * @param floorWindow      the recent floor is the fastest of this many last invocations, so fewer slow calls in a
 *                         row than this never make a hot function warming; defaults to 5
 * @param settleRatio      the latency has stopped falling once the floor of the last {@code floorWindow}
 *                         invocations is no more than this many times faster than the floor of the oldest
 *                         {@code floorWindow} of the recent window; defaults to 1.1
 * @param warmUpReplays    the most replays of a function's declared warm-up inputs after it is loaded (see
 *                         {@link FunctionDispatcher#warmUp}); 0 turns replays off; defaults to 200
 * @param warmUpBudget     the longest the replays of one function may take; defaults to 30 s
 */
public record WarmthOptions(double hotFactor, int firstInvocations, int window, int floorWindow,
                            double settleRatio, int warmUpReplays, Duration warmUpBudget) {

    /** Default {@link #hotFactor()}. */
    public static final double DEFAULT_HOT_FACTOR = 1.3;
    /** Default {@link #firstInvocations()}. */
    public static final int DEFAULT_FIRST_INVOCATIONS = 200;
    /** Default {@link #window()}. */
    public static final int DEFAULT_WINDOW = 32;
    /** Default {@link #floorWindow()}. */
    public static final int DEFAULT_FLOOR_WINDOW = 5;
    /** Default {@link #settleRatio()}. */
    public static final double DEFAULT_SETTLE_RATIO = 1.1;
    /** Default {@link #warmUpReplays()}. */
    public static final int DEFAULT_WARM_UP_REPLAYS = 200;
    /** Default {@link #warmUpBudget()}: 30 s. */
    public static final Duration DEFAULT_WARM_UP_BUDGET = Duration.ofSeconds(30);

    public WarmthOptions {
        if (!(hotFactor >= 1.0) || Double.isInfinite(hotFactor)) {
            throw new IllegalArgumentException("hotFactor must be a finite number of at least 1.0, was " + hotFactor);
        }
        if (firstInvocations < 0) {
            throw new IllegalArgumentException("firstInvocations must not be negative, was " + firstInvocations);
        }
        if (floorWindow < 1) {
            throw new IllegalArgumentException("floorWindow must be at least 1, was " + floorWindow);
        }
        if (window < 2 * floorWindow) {
            throw new IllegalArgumentException("window must be at least twice floorWindow (" + floorWindow
                    + "), was " + window);
        }
        if (!(settleRatio >= 1.0) || Double.isInfinite(settleRatio)) {
            throw new IllegalArgumentException("settleRatio must be a finite number of at least 1.0, was "
                    + settleRatio);
        }
        if (warmUpReplays < 0) {
            throw new IllegalArgumentException("warmUpReplays must not be negative, was " + warmUpReplays);
        }
        Objects.requireNonNull(warmUpBudget, "warmUpBudget");
        if (warmUpBudget.isNegative()) {
            throw new IllegalArgumentException("warmUpBudget must not be negative, was " + warmUpBudget);
        }
    }

    /** The defaults. */
    public static WarmthOptions defaults() {
        return new WarmthOptions(DEFAULT_HOT_FACTOR, DEFAULT_FIRST_INVOCATIONS, DEFAULT_WINDOW, DEFAULT_FLOOR_WINDOW,
                DEFAULT_SETTLE_RATIO, DEFAULT_WARM_UP_REPLAYS, DEFAULT_WARM_UP_BUDGET);
    }

    public WarmthOptions hotFactor(double factor) {
        return new WarmthOptions(factor, firstInvocations, window, floorWindow, settleRatio, warmUpReplays, warmUpBudget);
    }

    public WarmthOptions firstInvocations(int n) {
        return new WarmthOptions(hotFactor, n, window, floorWindow, settleRatio, warmUpReplays, warmUpBudget);
    }

    public WarmthOptions window(int n) {
        return new WarmthOptions(hotFactor, firstInvocations, n, floorWindow, settleRatio, warmUpReplays, warmUpBudget);
    }

    public WarmthOptions floorWindow(int n) {
        return new WarmthOptions(hotFactor, firstInvocations, window, n, settleRatio, warmUpReplays, warmUpBudget);
    }

    public WarmthOptions settleRatio(double ratio) {
        return new WarmthOptions(hotFactor, firstInvocations, window, floorWindow, ratio, warmUpReplays, warmUpBudget);
    }

    public WarmthOptions warmUpReplays(int n) {
        return new WarmthOptions(hotFactor, firstInvocations, window, floorWindow, settleRatio, n, warmUpBudget);
    }

    public WarmthOptions warmUpBudget(Duration budget) {
        return new WarmthOptions(hotFactor, firstInvocations, window, floorWindow, settleRatio, warmUpReplays, budget);
    }
}
