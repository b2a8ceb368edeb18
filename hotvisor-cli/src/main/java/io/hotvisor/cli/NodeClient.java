package io.hotvisor.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The node's HTTP API as the commands use it: one {@link HttpClient} over HTTP/1.1, JSON bodies. A non-2xx
 * response and a missing node both become a {@link NodeException} carrying the message the user sees.
 */
final class NodeClient implements AutoCloseable {

    static final String INVOCATION_ID = "X-Hotvisor-Invocation-Id";
    static final String DURATION_US = "X-Hotvisor-Duration-Us";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The longest {@link #postRetrying} waits before one retry, whatever the node's {@code Retry-After} asks. */
    static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(10);

    private final URI base;
    private final NodeOptions.Credentials credentials;
    private final Optional<String> namespace;
    private final HttpClient http;

    private NodeClient(URI base, NodeOptions.Credentials credentials, Optional<String> namespace) {
        this.base = base;
        this.credentials = credentials;
        this.namespace = namespace;
        // HTTP/1.1: the default (HTTP/2) would try an h2c upgrade on every plain-text request for nothing.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /**
     * A client of the node at {@code base} (e.g. {@code http://localhost:8080}) that sends
     * {@code Authorization: Bearer <key>} and, if given,
     * {@code X-Hotvisor-Namespace}.
     */
    static NodeClient create(URI base, NodeOptions.Credentials credentials, Optional<String> namespace) {
        return new NodeClient(base, credentials, namespace);
    }

    /** A response with a 2xx status. */
    record Response(int status, String body, HttpHeaders headers) {

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** The body as JSON; empty when it is not JSON. */
        Optional<JsonNode> json() {
            return Json.parse(body);
        }
    }

    URI base() {
        return base;
    }

    Response get(String path) {
        return send(request(path).GET());
    }

    Response delete(String path) {
        return send(request(path).DELETE());
    }

    Response post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
    }

    /**
     * {@link #post}, sent again when the node answers 503 with {@code Retry-After} (a node still loading the
     * function: nothing ran), up to {@code retries} times, each after the wait it asks ({@link #retryWait}).
     * {@code notice} hears each retry before its wait. When the last attempt fails too, its error is thrown with a line
     * saying how many attempts were made.
     */
    Response postRetrying(String path, String json, int retries, Consumer<String> notice)
            throws InterruptedException {
        Duration waited = Duration.ZERO;
        for (int attempt = 1; ; attempt++) {
            try {
                return post(path, json);
            } catch (NodeException e) {
                if (e.status() != 503 || e.retryAfter().isEmpty()) {
                    throw e;
                }
                if (attempt > retries) {
                    throw retries == 0 ? e : NodeException.response(e, "Gave up after " + attempt + " attempts ("
                            + retries + " retries, --retries " + retries + "), having waited " + waited.toSeconds()
                            + " s in all as the node's Retry-After asked.");
                }
                Duration wait = retryWait(e.retryAfter().get(), Instant.now());
                notice.accept("Retry " + attempt + " of " + retries + " in " + wait.toSeconds() + " s: "
                        + e.getMessage());
                Thread.sleep(wait);
                waited = waited.plus(wait);
            }
        }
    }

    /**
     * How long to wait before retrying an answer with {@code Retry-After: value}: its delta-seconds, or the time until
     * its HTTP date, from 0 to {@link #MAX_RETRY_WAIT}; 1 s when it is neither.
     */
    static Duration retryWait(String value, Instant now) {
        String v = value.strip();
        Duration d;
        if (v.matches("[0-9]{1,9}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                d = Duration.ofSeconds(1);
            }
        }
        return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_RETRY_WAIT) > 0 ? MAX_RETRY_WAIT : d;
    }

    /** Sends a PUT without waiting, so the caller can show progress; {@link #await} gives its response. */
    CompletableFuture<HttpResponse<String>> putAsync(String path, String json) {
        return http.sendAsync(request(path).header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The response of a request sent with {@code *Async}: checked as {@link #send} checks it. */
    Response await(CompletableFuture<HttpResponse<String>> pending) throws InterruptedException {
        try {
            return check(pending.get());
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /** {@code segment} escaped for use as one path segment (a function name or invocation id). */
    static String segment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        String b = base.toString();
        URI uri = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).header("Accept", "application/json");
        credentials.key().ifPresent(k -> rb.header("Authorization", "Bearer " + k));
        namespace.ifPresent(ns -> rb.header("X-Hotvisor-Namespace", ns));
        return rb;
    }

    private Response send(HttpRequest.Builder request) {
        try {
            return check(http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw NodeException.unreachable(base, "interrupted", e);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private Response check(HttpResponse<String> r) {
        if (r.statusCode() / 100 == 2) {
            return new Response(r.statusCode(), r.body(), r.headers());
        }
        NodeException error = errorOf(r.statusCode(), r.body());
        NodeException e = r.headers().firstValue("Retry-After").map(v -> NodeException.retryAfter(error, v))
                .orElse(error);
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw NodeException.response(e, "Key used: " + credentials.source() + (r.statusCode() == 401
                    ? ". Give a valid key with --key, env HOTVISOR_KEY, or \"key\" in the config file"
                    + " (bin/hotvisor up saves a generated admin key there)."
                    : ". This call needs a key of the namespace it acts on, or an admin key."));
        }
        throw e;
    }

    /** Reads the node's {@code {"error": {"type", "message"}}} body; falls back to the raw text. */
    static NodeException errorOf(int status, String body) {
        Optional<JsonNode> error = Json.parse(body).map(j -> j.path("error")).filter(JsonNode::isObject);
        if (error.isPresent()) {
            return NodeException.response(status, error.get().path("type").asText(null),
                    error.get().path("message").asText(null));
        }
        String text = body == null ? "" : body.strip();
        return NodeException.response(status, null, text.length() <= 500 ? text : text.substring(0, 497) + "...");
    }

    private NodeException failure(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        // HttpClient reports a refused connection as ConnectException, sometimes with a null message, and wraps
        // it differently in send and sendAsync: look along the cause chain.
        for (Throwable x = c; x != null; x = x.getCause()) {
            if (x instanceof HttpConnectTimeoutException) {
                return NodeException.unreachable(base, "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s", c);
            }
            if (x instanceof UnknownHostException || x instanceof UnresolvedAddressException) {
                return NodeException.unreachable(base, "unknown host '" + base.getHost() + "'", c);
            }
            if (x instanceof ConnectException) {
                return NodeException.unreachable(base, "connection refused", c);
            }
        }
        String why = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        return NodeException.unreachable(base, "the connection failed: " + why, c);
    }

    @Override
    public void close() {
        http.close();
    }
}
