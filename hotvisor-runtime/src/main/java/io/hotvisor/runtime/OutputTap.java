package io.hotvisor.runtime;

import java.lang.System.Logger.Level;

/**
 * Hands the lines a function prints while it serves an invocation to its dispatcher's listener
 * ({@link DispatchListener#output}), with the invocation's id: the dispatcher opens a tap on the invoking thread
 * around {@link Sandbox#invoke}, and a function's output sink ({@link GuestOutput}, the Java {@code LambdaLogger})
 * offers each line it logs to the tap open on its thread. Output with no tap open (while the code loads, from a thread
 * the function made) reaches only the node's log; warm-up replays open none and drop their output anyway.
 */
final class OutputTap implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OutputTap.class.getName());
    private static final ThreadLocal<OutputTap> CURRENT = new ThreadLocal<>();

    private final DispatchListener listener;
    private final FunctionDefinition function;
    private final String invocationId;
    private final OutputTap previous;

    private OutputTap(DispatchListener listener, FunctionDefinition function, String invocationId,
                      OutputTap previous) {
        this.listener = listener;
        this.function = function;
        this.invocationId = invocationId;
        this.previous = previous;
    }

    /** Opens a tap on this thread until closed (on the same thread). */
    static OutputTap open(DispatchListener listener, FunctionDefinition function, String invocationId) {
        OutputTap tap = new OutputTap(listener, function, invocationId, CURRENT.get());
        CURRENT.set(tap);
        return tap;
    }

    /**
     * Logs a line of a function's output to its logger ({@link GuestOutput#logger}) and offers it to the tap open on
     * this thread: where every line a function prints goes.
     */
    static void log(System.Logger logger, Level level, String text) {
        logger.log(level, text);
        line(level, text);
    }

    /** Offers a logged line to the tap open on this thread, if any; a {@code WARNING} or worse is stderr. */
    private static void line(Level level, String text) {
        OutputTap tap = CURRENT.get();
        if (tap == null) {
            return;
        }
        try {
            tap.listener.output(tap.function, tap.invocationId, level.getSeverity() >= Level.WARNING.getSeverity(),
                    text);
        } catch (RuntimeException e) { // a listener must not throw; the function's invocation is not its concern
            LOG.log(Level.WARNING, "The output listener of function '" + tap.function.name() + "' failed", e);
        }
    }

    @Override
    public void close() {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
