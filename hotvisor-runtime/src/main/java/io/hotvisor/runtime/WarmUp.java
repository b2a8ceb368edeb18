package io.hotvisor.runtime;

import java.util.Locale;
import java.util.Objects;

/**
 * What the replay of a function's warm-up inputs did, or is doing ({@link FunctionDispatcher#warmUp}).
 *
 * @param replays      how many replays ran to the end
 * @param nanos        how long the warm-up took, the throw-away sandbox's creation included
 * @param lastNanos    the cost of the last replay, in the function's {@link Warmth.Measure}; 0 if none ran
 * @param outcome      why it stopped
 * @param detail       for {@link Outcome#FAILED}, what failed; empty otherwise
 */
public record WarmUp(int replays, long nanos, long lastNanos, Outcome outcome, String detail) {

    public WarmUp {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    /** Why a warm-up stopped. */
    public enum Outcome {
        /** The function declares no warm-up inputs, or replays are turned off: nothing ran. */
        NONE,
        /** Replays are not supported for the function (a Java function with a fresh sandbox per invocation: see
         *  {@link LoadedFunction#newThrowawaySandbox()}). */
        UNSUPPORTED,
        /** Replays are running now, alongside traffic (the node's warm-up policy {@code alongside}). */
        RUNNING,
        /** The replays' latency came within {@link WarmthOptions#hotFactor()} of the target steady state (the
         *  fleet's best, or the one this node remembered) and stopped falling: the function runs hot. */
        HOT,
        /** No target steady state was known, and the replays' latency stopped falling (as {@link WarmthTracker}
         *  judges "settled"). */
        SETTLED,
        /** {@link WarmthOptions#warmUpReplays()} ran before it settled. */
        MAX_REPLAYS,
        /** {@link WarmthOptions#warmUpBudget()} ran out before it settled. */
        BUDGET,
        /** A replay failed (the function threw on its own warm-up input, or timed out); the rest were skipped. */
        FAILED;

        /** {@code none}, {@code settled}, {@code max_replays}, ... as the API spells it. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Replays under way, alongside traffic. */
    public static WarmUp running() {
        return new WarmUp(0, 0, 0, Outcome.RUNNING, "");
    }

    /** A warm-up that did not run. */
    public static WarmUp none() {
        return new WarmUp(0, 0, 0, Outcome.NONE, "");
    }
}
