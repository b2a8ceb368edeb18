package io.hotvisor.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A small client of the node's HTTP API, for tests. It sends the admin key the test nodes are started with
 * ({@link NodeProcess#ADMIN_KEY}) unless made with {@link #withKey} or {@link #withoutKey}.
 */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String key;
    private final String namespace;

    Http(String base) {
        this(base, NodeProcess.ADMIN_KEY, null);
    }

    private Http(String base, String key, String namespace) {
        this.base = base;
        this.key = key;
        this.namespace = namespace;
    }

    /** The same node, sending {@code Authorization: Bearer <key>}. */
    Http withKey(String key) {
        return new Http(base, key, namespace);
    }

    /** The same node, sending no Authorization header. */
    Http withoutKey() {
        return new Http(base, null, namespace);
    }

    /** The same node and key, sending {@code X-Hotvisor-Namespace: <namespace>}. */
    Http inNamespace(String namespace) {
        return new Http(base, key, namespace);
    }

    /** A response: status, body as text, headers. */
    record Response(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("Not JSON (status " + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Response send(String method, String path, String body) {
        return send(method, path, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
    }

    Response send(String method, String path, HttpRequest.BodyPublisher body) {
        return send(method, path, body, false, Map.of());
    }

    /**
     * Sends with {@code Expect: 100-continue}, as curl does for large bodies: the node can refuse a body over its
     * limit (413) before it is sent. Without it, a client still writing a large body may see the connection reset
     * instead of the 413.
     */
    Response sendExpectingContinue(String method, String path, String body) {
        return send(method, path, HttpRequest.BodyPublishers.ofString(body), true, Map.of());
    }

    private Response send(String method, String path, HttpRequest.BodyPublisher body, boolean expectContinue,
                          Map<String, String> headers) {
        // Generous: a Python deploy (the first GraalPy context of a node) took over 2 minutes on a 2-core machine
        // running five builds at once. Tests never assert on this; it only stops a request hanging forever.
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(6))
                .header("Content-Type", "application/json").expectContinue(expectContinue).method(method, body);
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (namespace != null) {
            b.header("X-Hotvisor-Namespace", namespace);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response get(String path) {
        return send("GET", path, (String) null);
    }

    Response put(String path, JsonNode body) {
        return send("PUT", path, body.toString());
    }

    Response post(String path, String body) {
        return send("POST", path, body);
    }

    Response delete(String path) {
        return send("DELETE", path, (String) null);
    }

    Response invoke(String name, String event) {
        return post("/v1/functions/" + name + "/invoke", event);
    }

    /** A sync invocation sending {@code headers} too (e.g. {@code X-Hotvisor-Catalog-Version}, as the gateway does). */
    Response invoke(String name, String event, Map<String, String> headers) {
        return send("POST", "/v1/functions/" + name + "/invoke", HttpRequest.BodyPublishers.ofString(event), false,
                headers);
    }

    /** Deploys source code; fails the test unless the node answers 200 or 201. */
    Response deploySource(String name, String language, String handler, String code, Map<String, Object> extra) {
        ObjectNode body = JSON.createObjectNode().put("language", language).put("handler", handler).put("code", code);
        extra.forEach((k, v) -> body.set(k, JSON.valueToTree(v)));
        return checked(put("/v1/functions/" + name, body));
    }

    /** Deploys an archive (zip bundle or jar); fails the test unless the node answers 200 or 201. */
    Response deployArchive(String name, String language, String handler, byte[] archive, Map<String, Object> extra) {
        ObjectNode body = JSON.createObjectNode().put("language", language).put("handler", handler)
                .put("archive", Base64.getEncoder().encodeToString(archive));
        extra.forEach((k, v) -> body.set(k, JSON.valueToTree(v)));
        return checked(put("/v1/functions/" + name, body));
    }

    private static Response checked(Response r) {
        if (r.status() != 200 && r.status() != 201) {
            throw new AssertionError("Deploy failed: " + r);
        }
        return r;
    }

    /**
     * The top-level {@code name} of each function in a {@code GET /v1/functions} {@code functions} array (not
     * {@code findValuesAsText}, which also finds nested fields such as {@code engine.name}).
     */
    static java.util.List<String> names(com.fasterxml.jackson.databind.JsonNode functions) {
        java.util.List<String> out = new java.util.ArrayList<>();
        functions.forEach(f -> out.add(f.path("name").asText()));
        return out;
    }
}
