package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The replay of a function's declared warm-up inputs: see {@link FunctionDispatcher#warmUp}. */
final class WarmUpReplay {
    private static final System.Logger LOG = System.getLogger(WarmUpReplay.class.getName());

    private WarmUpReplay() {
    }

    static WarmUp run(LoadedFunction function, Ticker ticker, ScheduledExecutorService watchdog,
                      WarmthOptions warmth) {
        FunctionDefinition definition = function.definition();
        List<String> inputs = definition.config().warmupInputs();
        if (inputs.isEmpty() || warmth.warmUpReplays() == 0) {
            return WarmUp.none();
        }
        long t0 = ticker.read();
        long deadline = t0 + warmth.warmUpBudget().toNanos();
        Optional<Sandbox> made;
        try {
            made = function.newThrowawaySandbox();
        } catch (InvocationFailure f) {
            return new WarmUp(0, ticker.read() - t0, 0, WarmUp.Outcome.FAILED,
                    "The warm-up sandbox could not be made: " + f.getMessage());
        }
        if (made.isEmpty()) {
            return new WarmUp(0, 0, 0, WarmUp.Outcome.UNSUPPORTED, "");
        }
        Sandbox sandbox = made.get();
        FunctionWarmth curve = new FunctionWarmth(warmth, definition.version());
        int replays = 0;
        long last = 0;
        try {
            while (true) {
                if (curve.settled()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.SETTLED, "");
                }
                if (replays >= warmth.warmUpReplays()) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.MAX_REPLAYS, "");
                }
                if (ticker.read() - deadline >= 0) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.BUDGET, "");
                }
                String input = inputs.get(replays % inputs.size());
                long start = ticker.read();
                long timeoutNanos = definition.config().timeout().toNanos();
                InvocationContext ctx = new InvocationContext("warm-up-" + (replays + 1), definition.name(),
                        definition.version(), definition.config().memoryMb(), start + timeoutNanos, ticker);
                ScheduledFuture<?> alarm = watchdog.schedule(sandbox::cancel, timeoutNanos, TimeUnit.NANOSECONDS);
                try {
                    sandbox.invoke(input, ctx); // the result is dropped
                } catch (InvocationFailure f) {
                    return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                            "Warm-up input " + (replays % inputs.size() + 1) + " of " + inputs.size() + " failed ("
                                    + f.kind().name().toLowerCase(Locale.ROOT) + "): " + f.getMessage());
                } finally {
                    alarm.cancel(false);
                }
                last = ticker.read() - start;
                curve.record(last);
                replays++;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Warm-up of function '" + definition.name() + "' failed", e);
            return new WarmUp(replays, ticker.read() - t0, last, WarmUp.Outcome.FAILED,
                    "Warm-up failed inside the platform: " + e);
        } finally {
            try {
                sandbox.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "Closing the warm-up sandbox of '" + definition.name() + "' failed", e);
            }
        }
    }
}
