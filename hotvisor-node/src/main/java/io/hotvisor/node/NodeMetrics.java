package io.hotvisor.node;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.Supplier;

import io.hotvisor.runtime.DispatchListener;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionDispatcher;
import io.hotvisor.runtime.InvocationFailure;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's Prometheus metrics: per function (labelled with its namespace) (invocations, errors by class, latency, sandbox creation time,
 * queue depth, live sandboxes) and per process (JVM heap, RSS and the rest of the JVM collectors).
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

    /** A live function's dispatcher and its namespace, for the gauges. */
    record Dispatcher(String namespace, FunctionDispatcher dispatcher) {
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

    private static String lang(FunctionDefinition f) {
        return f.config().language().id();
    }

    /** Records what the dispatchers of {@code namespace}'s functions do. */
    DispatchListener listener(String namespace) {
        return new DispatchListener() {
            @Override
            public void sandboxCreated(FunctionDefinition function, long nanos) {
                sandboxCreation.labelValues(namespace, function.name(), lang(function)).observe(nanos / 1e9);
            }

            @Override
            public void invocationSucceeded(FunctionDefinition function, long nanos) {
                invocations.labelValues(namespace, function.name(), lang(function), "success").inc();
                latency.labelValues(namespace, function.name(), lang(function)).observe(nanos / 1e9);
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

    /** Forgets a deleted function's series. */
    void forget(String namespace, String function, String language) {
        for (String outcome : new String[] {"success", "error"}) {
            invocations.remove(namespace, function, language, outcome);
        }
        for (InvocationFailure.Kind k : InvocationFailure.Kind.values()) {
            errors.remove(namespace, function, language, k.name().toLowerCase(Locale.ROOT));
        }
        latency.remove(namespace, function, language);
        sandboxCreation.remove(namespace, function, language);
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
