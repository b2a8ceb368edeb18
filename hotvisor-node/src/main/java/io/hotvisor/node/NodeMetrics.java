package io.hotvisor.node;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.hotvisor.runtime.DispatchListener;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionDispatcher;
import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.Warmth;
import io.hotvisor.runtime.WarmthTracker;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's Prometheus metrics: per function (labelled with its namespace) (invocations, errors by class, latency,
 * sandbox creation time, queue depth, live sandboxes, warmth: state, steady state, invocations by warmth, in a
 * cluster the invocations answered 503 {@code FunctionLoading}) and per
 * process (JVM heap, RSS and the rest of the JVM collectors).
 */
final class NodeMetrics {
    private static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] CREATION_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final PrometheusTextFormatWriter TEXT_FORMAT = PrometheusTextFormatWriter.create();
    /** The content type of {@link #scrape()}. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter invocations;
    private final Counter errors;
    private final Histogram latency;
    private final Histogram sandboxCreation;
    private final Counter byWarmth;
    private final Counter loadingAnswers;

    /** A live function's dispatcher, its namespace and the warmth tracker of that namespace, for the gauges. */
    record Dispatcher(String namespace, FunctionDispatcher dispatcher, WarmthTracker warmth) {
    }

    NodeMetrics(Supplier<Iterable<Dispatcher>> dispatchers) {
        JvmMetrics.builder().register(registry);
        invocations = Counter.builder().name("hotvisor_invocations")
                .help("Invocations that ran or were refused, by function and outcome (success or error)")
                .labelNames("namespace", "function", "language", "outcome").register(registry);
        errors = Counter.builder().name("hotvisor_invocation_errors")
                .help("Failed invocations by function and error class (function_error, timeout, resource_exhausted,"
                        + " overloaded, cancelled, platform_fault)")
                .labelNames("namespace", "function", "language", "class").register(registry);
        latency = Histogram.builder().name("hotvisor_invocation_duration_seconds")
                .help("Time an invocation ran in its sandbox")
                .classicUpperBounds(LATENCY_BUCKETS).classicOnly()
                .labelNames("namespace", "function", "language").register(registry);
        sandboxCreation = Histogram.builder().name("hotvisor_sandbox_creation_seconds")
                .help("Time to create a sandbox (context or handler instance), code evaluated and handler found")
                .classicUpperBounds(CREATION_BUCKETS).classicOnly()
                .labelNames("namespace", "function", "language").register(registry);
        byWarmth = Counter.builder().name("hotvisor_invocations_by_warmth")
                .help("Successful invocations by the warmth they ran in (warming or hot, judged with their own"
                        + " latency): the fraction not hot is warming / (warming + hot)")
                .labelNames("namespace", "function", "language", "warmth").register(registry);
        loadingAnswers = Counter.builder().name("hotvisor_function_loading_answers")
                .help("Sync invocations answered 503 FunctionLoading: this node's copy of the function was still"
                        + " loading after --load-wait (the function did not run; a gateway passes the node over)")
                .labelNames("namespace", "function").register(registry);
        registerWarmthGauges(dispatchers);
        GaugeWithCallback.builder().name("hotvisor_queue_depth").help("Invocations waiting for a worker")
                .labelNames("namespace", "function", "language")
                .callback(cb -> dispatchers.get().forEach(d -> cb.call(d.dispatcher().queueDepth(), d.namespace(),
                        d.dispatcher().definition().name(), lang(d.dispatcher().definition()))))
                .register(registry);
        GaugeWithCallback.builder().name("hotvisor_live_sandboxes").help("Sandboxes alive, idle or busy")
                .labelNames("namespace", "function", "language")
                .callback(cb -> dispatchers.get().forEach(d -> cb.call(d.dispatcher().liveSandboxes(), d.namespace(),
                        d.dispatcher().definition().name(), lang(d.dispatcher().definition()))))
                .register(registry);
        GaugeWithCallback.builder().name("hotvisor_busy_sandboxes").help("Sandboxes running an invocation")
                .labelNames("namespace", "function", "language")
                .callback(cb -> dispatchers.get().forEach(d -> cb.call(d.dispatcher().busySandboxes(), d.namespace(),
                        d.dispatcher().definition().name(), lang(d.dispatcher().definition()))))
                .register(registry);
        GaugeWithCallback.builder().name("hotvisor_worker_aot_cache_bytes")
                .help("Size of the AOT cache the worker JVMs of a Java function with isolation process start from, by"
                        + " where it came from (trained on this node, fetched from the fleet, found on disk; 0 while"
                        + " none or training)")
                .labelNames("namespace", "function", "source")
                .callback(cb -> dispatchers.get().forEach(d -> d.dispatcher().aotCache().ifPresent(a -> cb.call(
                        a.bytes(), d.namespace(), d.dispatcher().definition().name(), a.source().id()))))
                .register(registry);
    }

    private void registerWarmthGauges(Supplier<Iterable<Dispatcher>> dispatchers) {
        GaugeWithCallback.builder().name("hotvisor_function_warmth")
                .help("1 for the state the function's current version is in on this node (cold, warming, hot), 0 for"
                        + " the others")
                .labelNames("namespace", "function", "language", "state")
                .callback(cb -> dispatchers.get().forEach(d -> warmth(d).ifPresent(w -> {
                    for (Warmth.State s : Warmth.State.values()) {
                        cb.call(w.state() == s ? 1 : 0, d.namespace(), d.dispatcher().definition().name(),
                                lang(d.dispatcher().definition()), s.id());
                    }
                })))
                .register(registry);
        warmthGauge(dispatchers, "hotvisor_steady_state_seconds", "This node's steady-state cost of the function"
                + " (median of its recent invocations once it stopped falling; like every warmth gauge, in the CPU"
                + " time of the invocation's thread, or wall time for Java in a worker process); absent before",
                Warmth::steadyStateNanos);
        warmthGauge(dispatchers, "hotvisor_fleet_steady_state_seconds", "The best steady-state latency of the"
                + " function on any node of the cluster; absent outside a cluster or before any node has one",
                Warmth::fleetSteadyStateNanos);
        warmthGauge(dispatchers, "hotvisor_warmth_floor_seconds", "The fastest of the function's last 5"
                + " invocations on this node: a hot function stays hot while it is within the hot factor",
                Warmth::floorNanos);
        warmthGauge(dispatchers, "hotvisor_first_invocation_seconds", "Cost of the first invocation of the"
                + " function's current version on this node", Warmth::firstInvocationNanos);
    }

    private void warmthGauge(Supplier<Iterable<Dispatcher>> dispatchers, String name, String help,
                             ToLongFunction<Warmth> nanos) {
        GaugeWithCallback.builder().name(name).help(help)
                .labelNames("namespace", "function", "language")
                .callback(cb -> dispatchers.get().forEach(d -> warmth(d).ifPresent(w -> {
                    long n = nanos.applyAsLong(w);
                    if (n > 0) {
                        cb.call(n / 1e9, d.namespace(), d.dispatcher().definition().name(),
                                lang(d.dispatcher().definition()));
                    }
                })))
                .register(registry);
    }

    /** The warmth of the dispatcher's version; empty while the tracker has another version (a replace). */
    private static Optional<Warmth> warmth(Dispatcher d) {
        return d.warmth().summary(d.dispatcher().definition().name())
                .filter(w -> w.version() == d.dispatcher().definition().version());
    }

    private static String lang(FunctionDefinition f) {
        return f.config().language().id();
    }

    /** Records what the dispatchers of {@code namespace}'s functions do, and feeds their latencies to {@code warmth}. */
    DispatchListener listener(String namespace, WarmthTracker warmth) {
        return new DispatchListener() {
            @Override
            public void sandboxCreated(FunctionDefinition function, long nanos) {
                sandboxCreation.labelValues(namespace, function.name(), lang(function)).observe(nanos / 1e9);
            }

            @Override
            public Optional<Warmth.State> invocationSucceeded(FunctionDefinition function, long nanos,
                                                              long measuredNanos) {
                invocations.labelValues(namespace, function.name(), lang(function), "success").inc();
                latency.labelValues(namespace, function.name(), lang(function)).observe(nanos / 1e9);
                Optional<Warmth.State> ranIn = warmth.record(function.name(), function.version(), measuredNanos);
                ranIn.ifPresent(state ->
                        byWarmth.labelValues(namespace, function.name(), lang(function), state.id()).inc());
                return ranIn;
            }

            @Override
            public void invocationFailed(FunctionDefinition function, long nanos, InvocationFailure failure) {
                invocations.labelValues(namespace, function.name(), lang(function), "error").inc();
                errors.labelValues(namespace, function.name(), lang(function),
                        failure.kind().name().toLowerCase(Locale.ROOT)).inc();
                if (nanos > 0) {
                    latency.labelValues(namespace, function.name(), lang(function)).observe(nanos / 1e9);
                }
            }
        };
    }

    /** An invocation of {@code function} in {@code namespace} was answered 503 {@code FunctionLoading}. */
    void functionLoading(String namespace, String function) {
        loadingAnswers.labelValues(namespace, function).inc();
    }

    /** Forgets a deleted function's series. */
    void forget(String namespace, String function, String language) {
        for (String outcome : new String[] {"success", "error"}) {
            invocations.remove(namespace, function, language, outcome);
        }
        for (InvocationFailure.Kind k : InvocationFailure.Kind.values()) {
            errors.remove(namespace, function, language, k.name().toLowerCase(Locale.ROOT));
        }
        for (Warmth.State s : Warmth.State.values()) {
            byWarmth.remove(namespace, function, language, s.id());
        }
        latency.remove(namespace, function, language);
        sandboxCreation.remove(namespace, function, language);
        loadingAnswers.remove(namespace, function);
    }

    /** The Prometheus text exposition of every metric. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            TEXT_FORMAT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
