package io.hotvisor.runtime;

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
 */
public record WarmthOptions(double hotFactor, int firstInvocations, int window, int floorWindow,
                            double settleRatio) {

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
    }

    /** The defaults. */
    public static WarmthOptions defaults() {
        return new WarmthOptions(DEFAULT_HOT_FACTOR, DEFAULT_FIRST_INVOCATIONS, DEFAULT_WINDOW, DEFAULT_FLOOR_WINDOW,
                DEFAULT_SETTLE_RATIO);
    }

    public WarmthOptions hotFactor(double factor) {
        return new WarmthOptions(factor, firstInvocations, window, floorWindow, settleRatio);
    }

    public WarmthOptions firstInvocations(int n) {
        return new WarmthOptions(hotFactor, n, window, floorWindow, settleRatio);
    }

    public WarmthOptions window(int n) {
        return new WarmthOptions(hotFactor, firstInvocations, n, floorWindow, settleRatio);
    }

    public WarmthOptions floorWindow(int n) {
        return new WarmthOptions(hotFactor, firstInvocations, window, n, settleRatio);
    }

    public WarmthOptions settleRatio(double ratio) {
        return new WarmthOptions(hotFactor, firstInvocations, window, floorWindow, ratio);
    }
}
