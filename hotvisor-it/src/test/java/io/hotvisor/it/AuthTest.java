package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Namespaces and API keys, on one node: every call but /healthz needs a valid key, a namespace key sees only its
 * namespace (and learns nothing about others), an admin key manages namespaces and keys.
 */
class AuthTest {
    private static final String ECHO = "exports.handler = async (e) => ({ from: '%s', echo: e.x });";

    private static NodeProcess node;
    private static Http admin;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start();
        admin = node.http();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    /** Creates a namespace; returns its first key. */
    static String namespace(Http admin, String name) {
        Http.Response r = admin.post("/v1/namespaces", "{\"name\":\"" + name + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().path("name").asText()).isEqualTo(name);
        return r.json().path("key").path("key").asText();
    }

    /** One request of each route family, with a body where it takes one. */
    private static final List<String[]> ROUTES = List.of(new String[] {"GET", "/v1/functions"},
            new String[] {"GET", "/v1/functions/anything"}, new String[] {"PUT", "/v1/functions/anything"},
            new String[] {"DELETE", "/v1/functions/anything"}, new String[] {"POST", "/v1/functions/anything/invoke"},
            new String[] {"POST", "/v1/functions/anything/invoke?mode=async"},
            new String[] {"GET", "/v1/invocations/" + UUID.randomUUID()},
            new String[] {"POST", "/register?name=anything&entryPoint=main&language=javascript"},
            new String[] {"POST", "/"}, new String[] {"GET", "/metrics"}, new String[] {"GET", "/v1/node"},
            new String[] {"GET", "/v1/namespaces"},
            new String[] {"POST", "/v1/namespaces"}, new String[] {"GET", "/v1/namespaces/default"},
            new String[] {"DELETE", "/v1/namespaces/default"}, new String[] {"POST", "/v1/namespaces/default/keys"},
            new String[] {"GET", "/v1/namespaces/default/keys"}, new String[] {"GET", "/v1/admin-keys"},
            new String[] {"POST", "/v1/admin-keys"}, new String[] {"DELETE", "/v1/admin-keys/abc"},
            new String[] {"GET", "/no/such/endpoint"});

    private static Http.Response call(Http http, String[] route) {
        String body = route[0].equals("GET") || route[0].equals("DELETE") ? null
                : "{\"name\":\"anything\",\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"function main(){}\"}";
        return http.send(route[0], route[1], body);
    }

    @Test
    void refuses_every_route_without_a_key_with_a_wrong_key_and_with_a_revoked_key() {
        String revokedNs = "revoked-ns";
        String key = namespace(admin, revokedNs);
        String id = admin.get("/v1/namespaces/" + revokedNs + "/keys").json().path("keys").get(0).path("id").asText();
        assertThat(node.http().withKey(key).get("/v1/functions").status()).isEqualTo(200);
        assertThat(admin.delete("/v1/namespaces/" + revokedNs + "/keys/" + id).status()).isEqualTo(200);

        Map<String, Http> callers = Map.of("no key", node.http().withoutKey(),
                "a wrong key", node.http().withKey("hv_000000000000_" + "A".repeat(43)),
                "a made-up key", node.http().withKey("let-me-in"),
                "a revoked key", node.http().withKey(key));
        List<String> wrong = new ArrayList<>();
        callers.forEach((who, http) -> {
            for (String[] route : ROUTES) {
                Http.Response r = call(http, route);
                if (r.status() != 401 || !"Bearer realm=\"hotvisor\"".equals(r.header("WWW-Authenticate"))
                        || !r.json().path("error").path("type").asText().equals("Unauthorized")) {
                    wrong.add(who + ": " + route[0] + " " + route[1] + " -> " + r + " " + r.headers().map());
                }
            }
        });
        assertThat(wrong).isEmpty();
        assertThat(node.http().withoutKey().get("/healthz").status()).isEqualTo(200);
        assertThat(node.http().withoutKey().get("/readyz").status()).isEqualTo(200);
    }

    @Test
    void forbids_a_namespace_key_the_admin_api_and_other_namespaces() {
        String key = namespace(admin, "tenant-x");
        namespace(admin, "tenant-y");
        Http tenant = node.http().withKey(key);
        for (String[] route : List.of(new String[] {"GET", "/metrics"}, new String[] {"GET", "/v1/node"},
                new String[] {"GET", "/v1/namespaces"},
                new String[] {"POST", "/v1/namespaces"}, new String[] {"GET", "/v1/namespaces/tenant-x/keys"},
                new String[] {"POST", "/v1/namespaces/tenant-x/keys"}, new String[] {"DELETE", "/v1/namespaces/tenant-y"},
                new String[] {"GET", "/v1/admin-keys"}, new String[] {"POST", "/v1/admin-keys"})) {
            Http.Response r = call(tenant, route);
            assertThat(r.status()).as(route[0] + " " + route[1] + " -> " + r).isEqualTo(403);
            assertThat(r.json().path("error").path("message").asText()).contains("needs an admin key");
        }
        for (String other : List.of("tenant-y", "default", "no-such-namespace")) {
            Http.Response r = tenant.inNamespace(other).get("/v1/functions");
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.json().path("error").path("message").asText())
                    .isEqualTo("Key '" + r.json().path("error").path("message").asText().split("'")[1]
                            + "' belongs to namespace 'tenant-x'; it cannot act on namespace '" + other + "'");
        }
        assertThat(tenant.inNamespace("tenant-x").get("/v1/functions").status()).isEqualTo(200);
        Http.Response unknown = admin.inNamespace("no-such-namespace").get("/v1/functions");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").path("message").asText())
                .startsWith("Namespace 'no-such-namespace' not found; namespaces: [")
                .contains("tenant-x");
        assertThat(admin.inNamespace("bad name!").get("/v1/functions").status()).isEqualTo(400);
    }

    @Test
    void keeps_functions_of_the_same_name_in_two_namespaces_apart() {
        Http a = node.http().withKey(namespace(admin, "team-a"));
        Http b = node.http().withKey(namespace(admin, "team-b"));
        a.deploySource("same", "javascript", "index.handler", ECHO.formatted("a"), Map.of());
        b.deploySource("same", "javascript", "index.handler", ECHO.formatted("b"), Map.of("timeoutMs", 2000));

        assertThat(a.invoke("same", "{\"x\":1}").json().path("from").asText()).isEqualTo("a");
        assertThat(b.invoke("same", "{\"x\":2}").json().path("from").asText()).isEqualTo("b");
        assertThat(admin.inNamespace("team-b").invoke("same", "{}").json().path("from").asText()).isEqualTo("b");
        assertThat(a.get("/v1/functions/same").json().path("timeoutMs").asInt()).isNotEqualTo(2000);
        assertThat(admin.get("/v1/functions/same").status()).as("namespace default has no 'same'").isEqualTo(404);

        assertThat(a.delete("/v1/functions/same").status()).isEqualTo(200);
        assertThat(a.invoke("same", "{}").status()).isEqualTo(404);
        assertThat(b.invoke("same", "{\"x\":3}").json().path("echo").asInt()).isEqualTo(3);
        assertThat(b.get("/v1/functions").json().path("functions").get(0).path("name").asText()).isEqualTo("same");

        Http.Response refused = admin.delete("/v1/namespaces/team-b");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").path("message").asText()).contains("still has functions [same]");
        Http.Response metrics = admin.get("/metrics");
        assertThat(metrics.body()).contains("hotvisor_invocations_total{function=\"same\",language=\"javascript\","
                + "namespace=\"team-b\",outcome=\"success\"}");
        assertThat(b.delete("/v1/functions/same").status()).isEqualTo(200);
        assertThat(admin.delete("/v1/namespaces/team-b").status()).isEqualTo(200);
        assertThat(b.get("/v1/functions").status()).as("its keys go with it").isEqualTo(401);
        assertThat(admin.delete("/v1/namespaces/default").status()).isEqualTo(409);
    }

    @Test
    void answers_a_namespace_key_byte_identical_404s_for_another_namespaces_function_and_a_missing_one() {
        Http owner = node.http().withKey(namespace(admin, "owner"));
        Http other = node.http().withKey(namespace(admin, "other"));
        owner.deploySource("secret-fn", "javascript", "index.handler", ECHO.formatted("owner"), Map.of());
        String asyncId = owner.post("/v1/functions/secret-fn/invoke?mode=async", "{}").json().path("id").asText();

        List<Http.Response> whileItExists = probes(other);
        Http.Response foreignInvocation = other.get("/v1/invocations/" + asyncId);
        assertThat(owner.delete("/v1/functions/secret-fn").status()).isEqualTo(200);
        List<Http.Response> afterItIsGone = probes(other);
        String randomId = UUID.randomUUID().toString();
        Http.Response missingInvocation = other.get("/v1/invocations/" + randomId);

        for (int i = 0; i < whileItExists.size(); i++) {
            assertThat(whileItExists.get(i).status()).isEqualTo(404);
            assertThat(whileItExists.get(i).body()).isEqualTo(afterItIsGone.get(i).body());
            assertThat(whileItExists.get(i).header("Content-Type")).isEqualTo(afterItIsGone.get(i).header("Content-Type"));
        }
        assertThat(foreignInvocation.status()).isEqualTo(404);
        assertThat(foreignInvocation.body().replace(asyncId, "ID"))
                .isEqualTo(missingInvocation.body().replace(randomId, "ID"));
    }

    private static List<Http.Response> probes(Http http) {
        return List.of(http.get("/v1/functions/secret-fn"), http.post("/v1/functions/secret-fn/invoke", "{}"),
                http.post("/v1/functions/secret-fn/invoke?mode=async", "{}"), http.delete("/v1/functions/secret-fn"),
                http.post("/", "{\"name\":\"secret-fn\",\"arguments\":\"{}\"}"));
    }

    @Test
    void lists_key_ids_but_never_keys_and_revokes_by_id() {
        String first = namespace(admin, "rotating");
        Http.Response made = admin.post("/v1/namespaces/rotating/keys", "");
        assertThat(made.status()).isEqualTo(201);
        String second = made.json().path("key").asText();
        assertThat(second).startsWith("hv_").hasSize(3 + 12 + 1 + 43);
        String listing = admin.get("/v1/namespaces/rotating/keys").body();
        assertThat(listing).doesNotContain(first, second, second.substring(16));
        assertThat(admin.delete("/v1/namespaces/rotating/keys/" + made.json().path("id").asText()).status())
                .isEqualTo(200);
        assertThat(node.http().withKey(second).get("/v1/functions").status()).isEqualTo(401);
        assertThat(node.http().withKey(first).get("/v1/functions").status()).isEqualTo(200);
        Http.Response again = admin.delete("/v1/namespaces/rotating/keys/" + made.json().path("id").asText());
        assertThat(again.status()).isEqualTo(404);
        assertThat(admin.post("/v1/namespaces", "{\"name\":\"rotating\"}").status()).isEqualTo(409);
        assertThat(admin.post("/v1/namespaces", "{\"name\":\"../etc\"}").json().path("error").path("message")
                .asText()).startsWith("Invalid namespace name '../etc'");
    }
}
