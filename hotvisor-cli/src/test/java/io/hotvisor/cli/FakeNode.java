package io.hotvisor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stand-in for a node's HTTP API on a loopback port: answers scripted replies per "METHOD /path?query" and
 * records every request. Several replies for one route are given in turn, the last one repeating (for polls).
 * An unscripted route gets the node's 404 shape.
 *
 * <p>A test class holds one per test as {@code @RegisterExtension final FakeNode node = FakeNode.start();}: it
 * starts with the test instance and stops after each test.
 */
final class FakeNode implements AutoCloseable, AfterEachCallback {

    record Request(String method, String target, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            return Json.parse(body).orElseThrow(() -> new AssertionError("not JSON: " + body));
        }
    }

    record Reply(int status, String body, Map<String, String> headers) {
    }

    private final HttpServer server;
    private final Map<String, Deque<Reply>> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;

    private FakeNode() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen on a loopback port", e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeNode start() {
        return new FakeNode();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeNode on(String method, String target, int status, String body) {
        return on(method, target, status, body, Map.of());
    }

    FakeNode on(String method, String target, int status, String body, Map<String, String> headers) {
        routes.computeIfAbsent(method + " " + target, k -> new ArrayDeque<>()).add(new Reply(status, body, headers));
        return this;
    }

    /** Holds every reply back this long, as a node initialising sandboxes does. */
    FakeNode delay(java.time.Duration delay) {
        delayMillis = delay.toMillis();
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    Request onlyRequest() {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests);
        }
        return requests.getFirst();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String target = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            requests.add(new Request(ex.getRequestMethod(), target, Map.copyOf(ex.getRequestHeaders()), body));
            Reply reply = next(ex.getRequestMethod() + " " + target);
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            reply.headers().forEach(ex.getResponseHeaders()::add);
            ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Reply next(String route) {
        Deque<Reply> replies = routes.get(route);
        if (replies == null) {
            return new Reply(404, "{\"error\":{\"type\":\"NotFound\",\"message\":\"No route " + route + "\"}}",
                    Map.of());
        }
        synchronized (replies) {
            return replies.size() > 1 ? replies.poll() : replies.peek();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }
}
