package io.hotvisor.cluster;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The routes of an HTTP API, registered on Helidon's routing and remembered, so that a request no route took can be
 * told apart: a path the API has, asked with a method it does not take (405 with {@code Allow}, or 204 with
 * {@code Allow} for {@code OPTIONS}), from a path it does not have (404). Every {@code GET} route also answers
 * {@code HEAD}: the same status and headers, no body (Helidon routes {@code HEAD} like any other method).
 *
 * <p>Path templates are Helidon's: {@code {name}} stands for one path segment.
 */
public final class Endpoints {
    private final HttpRouting.Builder routing;
    /** Each path template and the methods it takes, in the order they were registered. */
    private final Map<String, TreeSet<String>> methods = new LinkedHashMap<>();

    public Endpoints(HttpRouting.Builder routing) {
        this.routing = routing;
    }

    /** A {@code GET} route, which answers {@code HEAD} too. */
    public Endpoints get(String template, Handler handler) {
        add(Method.GET, template, handler);
        return add(Method.HEAD, template, (req, res) -> handler.handle(req, new HeadResponse(res)));
    }

    public Endpoints put(String template, Handler handler) {
        return add(Method.PUT, template, handler);
    }

    public Endpoints post(String template, Handler handler) {
        return add(Method.POST, template, handler);
    }

    public Endpoints delete(String template, Handler handler) {
        return add(Method.DELETE, template, handler);
    }

    private Endpoints add(Method method, String template, Handler handler) {
        routing.route(method, template, handler);
        methods.computeIfAbsent(template, t -> new TreeSet<>()).add(method.text());
        return this;
    }

    /**
     * The methods the API takes on {@code path} (a request's decoded path), as an {@code Allow} header's value
     * ({@code OPTIONS} included), for a request with {@code method} that no route took; empty when no route has that
     * path, or when one that takes {@code method} has it (the server did not route it, so the path is not the API's
     * as written, e.g. with encoded characters: "not found" is the truthful answer).
     */
    public Optional<String> allow(Method method, String path) {
        TreeSet<String> allowed = new TreeSet<>();
        List<String> segments = segments(path);
        methods.forEach((template, m) -> {
            if (matches(segments(template), segments)) {
                allowed.addAll(m);
            }
        });
        if (allowed.isEmpty() || allowed.contains(method.text())) {
            return Optional.empty();
        }
        allowed.add(Method.OPTIONS.text());
        return Optional.of(String.join(", ", allowed));
    }

    /** How an API writes an error answer: {@code {"error": {"type", "message"}}} in its own JSON. */
    @FunctionalInterface
    public interface ErrorWriter {
        void write(ServerResponse res, int status, String type, String message);
    }

    /**
     * Answers a request no route took whose path the API has with other methods ({@link #allow}): {@code Allow} and
     * 204 for {@code OPTIONS}, else 405 {@code MethodNotAllowed} naming the methods, through {@code error}, with the
     * path shown as {@code shownPath}.
     *
     * @return false, having answered nothing, when the path is not the API's (the caller's 404)
     */
    public boolean answerOtherMethod(ServerRequest req, ServerResponse res, String shownPath, ErrorWriter error) {
        Method method = req.prologue().method();
        Optional<String> allow = allow(method, req.path().path());
        if (allow.isEmpty()) {
            return false;
        }
        res.header(HeaderNames.ALLOW, allow.get());
        if (Method.OPTIONS.equals(method)) {
            res.status(204).send();
        } else {
            error.write(res, 405, "MethodNotAllowed", "Method " + method.text() + " is not allowed on " + shownPath
                    + "; it takes " + allow.get());
        }
        return true;
    }

    /**
     * {@code res}, or for a {@code HEAD} request a response that sends the status and headers of what is sent
     * through it, without the body: for answers written outside a {@code GET} route (errors, the fallback).
     */
    public static ServerResponse forMethod(ServerRequest req, ServerResponse res) {
        return Method.HEAD.equals(req.prologue().method()) && !(res instanceof HeadResponse) ? new HeadResponse(res)
                : res;
    }

    /** What lies between the slashes of a path, empty ones included ({@code /a//b/}: a, "", b, ""). */
    private static List<String> segments(String path) {
        return List.of((path.startsWith("/") ? path.substring(1) : path).split("/", -1));
    }

    private static boolean matches(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return false;
        }
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            boolean parameter = t.startsWith("{") && t.endsWith("}");
            if (parameter ? path.get(i).isEmpty() : !t.equals(path.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A response to {@code HEAD}: sends what it is given as its {@code Content-Length} and no body; everything else
     * goes to the server's response.
     */
    private static final class HeadResponse implements ServerResponse {
        private final ServerResponse delegate;

        HeadResponse(ServerResponse delegate) {
            this.delegate = delegate;
        }

        @Override
        public ServerResponse status(Status status) {
            delegate.status(status);
            return this;
        }

        @Override
        public Status status() {
            return delegate.status();
        }

        @Override
        public ServerResponse header(Header header) {
            delegate.header(header);
            return this;
        }

        @Override
        public void send() {
            delegate.send();
        }

        @Override
        public void send(byte[] bytes) {
            send(bytes, 0, bytes.length);
        }

        @Override
        public void send(byte[] bytes, int position, int length) {
            sendLength(length);
        }

        /** Sends the status and headers, with {@code length} (what the body would have been) as the length. */
        private void sendLength(long length) {
            delegate.header(HeaderNames.CONTENT_LENGTH, Long.toString(length));
            delegate.send();
        }

        @Override
        public void send(Object entity) {
            if (entity instanceof byte[] bytes) {
                send(bytes);
            } else if (entity instanceof String s) {
                send(s.getBytes(StandardCharsets.UTF_8));
            } else {
                throw new IllegalArgumentException("A HEAD answer takes a body of bytes or text, not "
                        + (entity == null ? "null" : entity.getClass().getName()));
            }
        }

        @Override
        public boolean isSent() {
            return delegate.isSent();
        }

        /** Counts what is written and, when closed, sends that count as the length. */
        @Override
        public OutputStream outputStream() {
            return new OutputStream() {
                private long length;

                @Override
                public void write(int b) {
                    length++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    length += len;
                }

                @Override
                public void close() {
                    sendLength(length);
                }
            };
        }

        @Override
        public long bytesWritten() {
            return delegate.bytesWritten();
        }

        @Override
        public ServerResponse whenSent(Runnable listener) {
            delegate.whenSent(listener);
            return this;
        }

        @Override
        public ServerResponse reroute(String path) {
            delegate.reroute(path);
            return this;
        }

        @Override
        public ServerResponse reroute(String path, UriQuery query) {
            delegate.reroute(path, query);
            return this;
        }

        @Override
        public ServerResponse next() {
            delegate.next();
            return this;
        }

        @Override
        public ServerResponseHeaders headers() {
            return delegate.headers();
        }

        @Override
        public ServerResponseTrailers trailers() {
            return delegate.trailers();
        }

        @Override
        public void streamResult(String result) {
            delegate.streamResult(result);
        }

        @Override
        public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
            delegate.streamFilter(filterFunction);
        }
    }
}
