package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * A sandbox of a JavaScript or Python function: one {@link Context} on the language's shared engine, in which the
 * wrapper and then the function's cached {@link org.graalvm.polyglot.Source} were evaluated and the handler resolved.
 *
 * <p>Async JavaScript: GraalJS runs the promise job queue when a host call into the context returns, so a handler's
 * promise that only awaits other promises is settled by then. Timers ({@code setTimeout}) are the wrapper's own:
 * while the promise is pending this sandbox sleeps until the next timer is due and lets the wrapper run it. A
 * promise with nothing left that could settle it is a function error.
 *
 * <p>Cancellation: {@link #cancel()} closes the context with {@code cancelIfExecuting}, which stops guest code at
 * its next safepoint (a {@code while (true) {}} included); the running {@link #invoke} then fails as
 * {@link InvocationFailure.Kind#CANCELLED}.
 */
final class PolyglotSandbox implements Sandbox {
    private static final System.Logger LOG = System.getLogger(PolyglotSandbox.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest sleep while waiting for a timer, so that a cancel is seen promptly even between guest calls. */
    private static final long MAX_TIMER_WAIT_MS = 20;
    /**
     * How often each sample runs the invoke path when a serving sandbox is primed: a new GraalPy context's cost for
     * that path falls over its first 2-3 runs (one run was not enough: a sandbox primed once just before its first
     * call paid more on that call).
     */
    private static final int PRIME_RUNS = 3;
    /** The event every serving sandbox is primed with: one value of each JSON type, so each of the codec's paths runs. */
    private static final String NEUTRAL_EVENT = "{\"name\": \"hotvisor\", \"count\": 1, \"ratio\": 0.5, \"ok\": true, "
            + "\"none\": null, \"items\": [1, \"two\", {\"three\": 3}]}";

    private final PolyglotFunction function;
    private final Context context;
    private final Value api;
    private final GuestOutput out;
    private final GuestOutput err;
    private volatile boolean cancelled;
    private volatile boolean closed;

    private PolyglotSandbox(PolyglotFunction function, Context context, Value api, GuestOutput out, GuestOutput err) {
        this.function = function;
        this.context = context;
        this.api = api;
        this.out = out;
        this.err = err;
    }

    /**
     * Makes a sandbox: evaluates the wrapper and the function's code, resolves its handler.
     *
     * @throws DeployException if the code does not load or the handler is missing
     */
    static PolyglotSandbox create(PolyglotFunction function) {
        return create(function, false);
    }

    /** As {@link #create(PolyglotFunction)}; {@code quiet} drops what the guest prints (warm-up replays). */
    static PolyglotSandbox create(PolyglotFunction function, boolean quiet) {
        PolyglotLanguage language = function.language();
        String name = function.definition().name();
        GuestOutput.Budget budget = GuestOutput.Budget.perInvocation();
        GuestOutput out = quiet ? GuestOutput.discarded(budget) : GuestOutput.stdout(name, budget);
        GuestOutput err = quiet ? GuestOutput.discarded(budget) : GuestOutput.stderr(name, budget);
        Context context = language.newContext(function, out, err);
        Value api = null;
        try {
            api = context.eval(language.wrapper());
            String root = function.bundleRoot() == null ? "" : function.bundleRoot().toString();
            String mainFile = function.bundleRoot() == null ? function.handler().fileName()
                    : function.bundleRoot().resolve(function.handler().fileName()).toString();
            api.invokeMember("init", envJson(function.definition().config()), mainFile, root);
            api.invokeMember("load", context.eval(function.source()));
            String resolved = api.invokeMember("resolve", function.handler().function()).asString();
            checkResolved(function, resolved);
            if (!quiet) {
                prime(function, api);
            }
            // What the code printed while loading is not held against the first invocation.
            finishOutput(out, err);
            return new PolyglotSandbox(function, context, api, out, err);
        } catch (PolyglotException e) {
            DeployException failure = language.errors().deployFailure(e, api, function);
            context.close(true);
            throw failure;
        } catch (RuntimeException e) {
            context.close(true);
            throw e;
        }
    }

    /**
     * Runs the wrapper's invoke path with sample events and a stand-in for the handler (the wrapper's optional
     * {@code prime} member: Python's; JavaScript pays nothing per context), so that a serving sandbox pays its
     * context's first use of that path before its first invocation rather than in it (see
     * bench/results/notes-python-context-prime.md). The function's code never runs. The samples are the function's
     * first warm-up input, if it declares one, and {@link #NEUTRAL_EVENT}, which has a value of each JSON type; each
     * runs {@link #PRIME_RUNS} times. A failure is logged, never thrown: the sandbox then serves as it would have
     * unprimed.
     */
    private static void prime(PolyglotFunction function, Value api) {
        if (!api.hasMember("prime")) {
            return;
        }
        List<String> inputs = function.definition().config().warmupInputs();
        if (!inputs.isEmpty()) {
            prime(function, api, inputs.getFirst(), "its first warm-up input");
        }
        prime(function, api, NEUTRAL_EVENT, "a neutral event");
    }

    private static void prime(PolyglotFunction function, Value api, String sample, String what) {
        String name = function.definition().name();
        try {
            for (int i = 0; i < PRIME_RUNS; i++) {
                String outcome = api.invokeMember("prime", sample).asString();
                if (!outcome.equals("primed")) {
                    LOG.log(Level.DEBUG, "A sandbox of function '" + name + "' was not primed: " + outcome);
                    return;
                }
            }
        } catch (PolyglotException e) {
            LOG.log(Level.INFO, "Priming a sandbox of function '" + name + "' with " + what + " failed, so it serves"
                    + " unprimed: " + e.getMessage());
        }
    }

    private static void checkResolved(PolyglotFunction function, String resolved) {
        if (resolved.equals("ok")) {
            return;
        }
        String handler = function.handler().handler();
        String name = function.definition().name();
        if (resolved.startsWith("missing:")) {
            List<String> exported;
            try {
                exported = List.of(JSON.readValue(resolved.substring("missing:".length()), String[].class));
            } catch (JsonProcessingException e) {
                exported = List.of();
            }
            throw DeployException.handler("Handler '" + handler + "' not found in function '" + name + "'; exported: "
                    + exported.toString());
        }
        throw DeployException.handler("Handler '" + handler + "' of function '" + name + "' is not a function but "
                + resolved.substring(resolved.indexOf(':') + 1));
    }

    private static String envJson(FunctionConfig config) {
        try {
            return JSON.writeValueAsString(config.env());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String invoke(String eventJson, InvocationContext invocation) {
        if (cancelled) {
            throw cancelledFailure();
        }
        if (closed) {
            throw InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                    "A closed sandbox of function '" + function.definition().name() + "' was invoked");
        }
        out.meter(invocation.ticker());
        err.meter(invocation.ticker());
        try {
            Value result = api.invokeMember("invoke", eventJson, invocation.invocationId(), invocation.functionName(),
                    invocation.version(), invocation.memoryMb(), invocation.remaining().toMillis());
            if (result.isNull()) {
                return null;
            }
            if (result.isString()) {
                return result.asString();
            }
            return awaitPromise();
        } catch (PolyglotException e) {
            throw function.language().errors().invocationFailure(e, cancelled ? null : api, function, cancelled);
        } catch (IllegalStateException e) {
            // The context was closed under us: by cancel(), or by close() while in use.
            if (cancelled || closed) {
                throw cancelledFailure();
            }
            throw function.language().errors().platformFault(e, function);
        } finally {
            finishOutput(out, err);
        }
    }

    @Override
    public long outputCpuNanos() {
        return out.sinkCpuNanos() + err.sinkCpuNanos();
    }

    private static void finishOutput(GuestOutput out, GuestOutput err) {
        out.finishInvocation();
        err.finishInvocation();
    }

    private String awaitPromise() {
        while (true) {
            long wait = api.invokeMember("poll").asLong();
            if (wait == -1) {
                Value result = api.invokeMember("result");
                return result.isNull() ? null : result.asString();
            }
            if (wait == -2) {
                throw InvocationFailure.functionError("Error", "The handler of function '" + function.definition().name()
                        + "' returned a promise that never settled: nothing is left to run (no pending timers)", List.of());
            }
            if (wait > 0) {
                try {
                    Thread.sleep(Math.min(wait, MAX_TIMER_WAIT_MS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel();
                }
            }
            if (cancelled) {
                throw cancelledFailure();
            }
            api.invokeMember("runTimers");
        }
    }

    private InvocationFailure cancelledFailure() {
        return InvocationFailure.of(InvocationFailure.Kind.CANCELLED,
                "The invocation of function '" + function.definition().name() + "' was cancelled");
    }

    @Override
    public void cancel() {
        cancelled = true;
        close();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            context.close(true);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "Closing a sandbox of function '" + function.definition().name() + "' failed", e);
        } finally {
            out.close();
            err.close();
        }
    }
}
