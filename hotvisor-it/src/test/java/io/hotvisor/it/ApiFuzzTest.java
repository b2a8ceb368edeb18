package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz run of the HTTP API: random and mutated requests (a fixed count, a fixed seed so a failure can be
 * replayed) must never get a 5xx for what is the client's mistake, nor take the node down, nor lose what is stored.
 */
class ApiFuzzTest {
    private static final long SEED = Long.getLong("hotvisor.fuzz.seed", 20261123L);
    private static final int REQUESTS = Integer.getInteger("hotvisor.fuzz.requests", 1500);

    private static NodeProcess node;
    private static Http http;
    private static String tenantKey;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start("--max-body-bytes", "262144");
        http = node.http();
        http.deploySource("probe", "javascript", "index.handler",
                "exports.handler = async (e) => ({ ok: true, echo: e.x });", Map.of());
        tenantKey = http.post("/v1/namespaces", "{\"name\":\"fuzz-ns\"}").json().path("key").path("key").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    private static final List<String> VALID_BODIES = List.of(
            "{\"language\":\"javascript\",\"handler\":\"index.handler\",\"code\":\"exports.handler = async () => 1;\"}",
            "{\"language\":\"python\",\"handler\":\"main\",\"code\":\"def main(a):\\n    return a\\n\",\"timeoutMs\":1000}",
            "{\"language\":\"java\",\"handler\":\"a.B::main\",\"archive\":\"UEsDBAo=\",\"env\":{\"A\":\"b\"}}",
            "{\"name\":\"x\",\"arguments\":\"{\\\"a\\\":1}\",\"async\":\"false\"}",
            "{\"x\":1}");

    private static final List<String> PATHS = List.of("/v1/functions/%s", "/v1/functions/%s/invoke",
            "/v1/functions/%s/invoke?mode=async", "/v1/functions/%s/invoke?mode=%s", "/v1/invocations/%s",
            "/v1/functions", "/register?name=%s&entryPoint=main&language=%s", "/", "/healthz", "/metrics",
            "/v1/%s", "/%s", "/v1/namespaces", "/v1/namespaces/%s", "/v1/namespaces/%s/keys",
            "/v1/namespaces/%s/keys/%s", "/v1/admin-keys", "/v1/admin-keys/%s");

    private static final List<String> METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD");

    /** Each endpoint with the method it is meant for: most requests use these, so bodies reach the parsers. */
    private static final List<String[]> NATURAL = List.of(new String[] {"PUT", "/v1/functions/%s"},
            new String[] {"POST", "/v1/functions/%s/invoke"}, new String[] {"POST", "/v1/functions/%s/invoke?mode=async"},
            new String[] {"POST", "/register?name=%s&entryPoint=main&language=%s"}, new String[] {"POST", "/"},
            new String[] {"DELETE", "/v1/functions/%s"}, new String[] {"GET", "/v1/invocations/%s"},
            new String[] {"POST", "/v1/namespaces"}, new String[] {"POST", "/v1/namespaces/%s/keys"});

    /** Names and values the fuzzer uses; never "probe", the function whose survival is checked at the end. */
    private static String randomToken(Random r) {
        String[] picks = {"f", "probe2", "fuzz-" + r.nextInt(5), "", "..", "%2e", "a%00b", "\u00e9", "x".repeat(70),
            "javascript", "python", "java", "cobol", "-", "%", "%zz", "a b", "sync", "async"};
        return picks[r.nextInt(picks.length)];
    }

    /** A valid body mutated: truncated, a byte flipped, a value retyped, or random bytes. */
    private static byte[] mutate(Random r) {
        String body = VALID_BODIES.get(r.nextInt(VALID_BODIES.size()));
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        switch (r.nextInt(7)) {
            case 0 -> {
                return java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            }
            case 1 -> {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                return b;
            }
            case 2 -> {
                return body.replaceFirst("\"[a-zA-Z]+\"", r.nextBoolean() ? "7" : "null")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> {
                byte[] random = new byte[r.nextInt(300)];
                r.nextBytes(random);
                return random;
            }
            case 4 -> {
                return ("[" + body + "]").getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> {
                return body.replace("}", ",\"" + randomToken(r) + "\":{\"deep\":[[[[1]]]]}}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                return b;
            }
        }
    }

    @Test
    void never_answers_5xx_to_random_and_mutated_requests_and_stays_up() {
        Random r = new Random(SEED);
        List<String> serverErrors = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String path;
            String method;
            if (r.nextInt(10) < 7) {
                String[] natural = NATURAL.get(r.nextInt(NATURAL.size()));
                method = natural[0];
                path = natural[1].formatted(randomToken(r), randomToken(r));
            } else {
                method = METHODS.get(r.nextInt(METHODS.size()));
                path = PATHS.get(r.nextInt(PATHS.size())).formatted(randomToken(r), randomToken(r));
            }
            byte[] body = mutate(r);
            Http.Response res;
            try {
                res = caller(r).send(method, path, method.equals("GET") || method.equals("HEAD")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            } catch (IllegalArgumentException e) {
                continue; // the client library refuses the URI itself: nothing reached the node
            }
            if (res.status() >= 500 && !isFunctionOutcome(res)) {
                serverErrors.add("#" + i + " " + method + " " + path + " " + Base64.getEncoder().encodeToString(body)
                        + " -> " + res);
            }
        }
        assertThat(serverErrors).as("5xx answers to client mistakes (seed %d)", SEED).isEmpty();
        assertThat(node.isAlive()).isTrue();
        Http.Response probe = http.invoke("probe", "{\"x\":7}");
        assertThat(probe.status()).isEqualTo(200);
        assertThat(probe.json().path("echo").asInt()).isEqualTo(7);
        assertThat(http.get("/v1/functions/probe").json().path("version").asInt()).isEqualTo(1);
        assertThat(http.withKey(tenantKey).get("/v1/functions").status()).isEqualTo(200);
    }

    /**
     * Who sends a request: mostly the admin key, sometimes no key, a wrong or malformed key, a namespace key, or a
     * namespace header naming a namespace that does or does not exist (or is not a valid name).
     */
    private static Http caller(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> http.withoutKey();
            case 1 -> http.withKey(randomToken(r));
            case 2 -> http.withKey("hv_" + "0".repeat(12) + "_" + randomToken(r));
            case 3 -> http.withKey(tenantKey);
            case 4 -> http.withKey(tenantKey).inNamespace(randomToken(r));
            case 5 -> http.inNamespace(r.nextBoolean() ? "fuzz-ns" : randomToken(r));
            default -> http;
        };
    }

    /** 502/504 from running a function that was deployed by the fuzzer are the function's outcome, not ours. */
    private static boolean isFunctionOutcome(Http.Response res) {
        return (res.status() == 502 || res.status() == 504) && res.body().contains("\"class\"");
    }
}
