package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/functions/{name}/logs} and {@code hotvisor logs} on a real node: what a function printed while serving
 * each invocation, in every language and isolation, by invocation id; not what its warm-up replays printed; only to
 * its own namespace; gone with the function.
 */
class FunctionLogsTest {
    private static final String JS = """
            console.log('loading');
            exports.handler = async (e) => { console.log('js says ' + e.n); console.error('js warns ' + e.n);
              return { n: e.n }; };""";
    private static final String PYTHON = """
            import sys
            def handler(event, context):
                print('py says', event['n'])
                print('py warns', event['n'], file=sys.stderr)
                return {'n': event['n']}
            """;
    private static final String JAVA = """
            import java.util.Map;
            public class Fn {
                public static Map<String, Object> main(Map<String, Object> e) {
                    System.out.println("java says " + e.get("n"));
                    System.err.println("java warns " + e.get("n"));
                    return e;
                }
            }
            """;
    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start();
        http = node.http();
        Map<String, Object> replays = Map.of("warmupInputs", List.of(Map.of("n", -1)));
        http.deploySource("talk-js", "javascript", "index.handler", JS, replays);
        http.deploySource("talk-py", "python", "app.handler", PYTHON, replays);
        http.deploySource("talk-java", "java", "Fn::main", JAVA, replays);
        http.deploySource("talk-java-process", "java", "Fn::main", JAVA, Map.of("isolation", "process"));
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    private static String invoke(String function, int n) {
        Http.Response r = http.invoke(function, "{\"n\": " + n + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.header("X-Hotvisor-Invocation-Id");
    }

    private static List<String> lines(Http.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode l : r.json().path("lines")) {
            assertThat(l.path("time").asText()).isNotEmpty();
            assertThat(l.path("version").asInt()).isEqualTo(1);
            out.add(l.path("invocationId").asText() + " " + l.path("stream").asText() + " " + l.path("text").asText());
        }
        return out;
    }

    @Test
    void keeps_each_invocations_output_by_id_in_every_language_and_not_the_replays() {
        Map<String, String> says = Map.of("talk-js", "js", "talk-py", "py", "talk-java", "java",
                "talk-java-process", "java");
        says.forEach((function, who) -> {
            String first = invoke(function, 1);
            String second = invoke(function, 2);
            assertThat(lines(http.get("/v1/functions/" + function + "/logs"))).as(function).containsExactly(
                    first + " stdout " + who + " says 1", first + " stderr " + who + " warns 1",
                    second + " stdout " + who + " says 2", second + " stderr " + who + " warns 2");
            assertThat(lines(http.get("/v1/functions/" + function + "/logs?invocation=" + second))).as(function)
                    .containsExactly(second + " stdout " + who + " says 2", second + " stderr " + who + " warns 2");
            assertThat(lines(http.get("/v1/functions/" + function + "/logs?limit=1"))).as(function)
                    .containsExactly(second + " stderr " + who + " warns 2");
        });
    }

    @Test
    void keeps_an_async_invocations_output_under_its_id_and_the_cli_prints_it() throws Exception {
        http.deploySource("talk-async", "javascript", "index.handler", JS, Map.of());
        Http.Response accepted = http.post("/v1/functions/talk-async/invoke?mode=async", "{\"n\": 7}");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        String id = accepted.json().path("id").asText();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ("queued".equals(http.get("/v1/invocations/" + id).json().path("status").asText())
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(lines(http.get("/v1/functions/talk-async/logs?invocation=" + id)))
                .containsExactly(id + " stdout js says 7", id + " stderr js warns 7");

        HotvisorCommand.Run cli = RestartTest.cli(node, "logs", "talk-async", "--invocation", id);
        assertThat(cli.exit()).as(cli.toString()).isZero();
        assertThat(cli.stdout()).contains(" stdout " + id + " js says 7", " stderr " + id + " js warns 7");
    }

    @Test
    void shows_a_function_s_output_to_its_namespace_only_and_forgets_it_with_the_function() {
        http.deploySource("talk-ns", "javascript", "index.handler", JS, Map.of());
        invoke("talk-ns", 3);
        Http.Response created = http.post("/v1/namespaces", "{\"name\": \"logs-other\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Http other = http.withKey(created.json().path("key").path("key").asText());
        // Another namespace's key cannot tell the function exists; its own function of that name has its own lines.
        assertThat(other.get("/v1/functions/talk-ns/logs").status()).isEqualTo(404);
        other.deploySource("talk-ns", "javascript", "index.handler", JS, Map.of());
        assertThat(other.invoke("talk-ns", "{\"n\": 99}").status()).isEqualTo(200);
        assertThat(lines(other.get("/v1/functions/talk-ns/logs"))).hasSize(2).allMatch(l -> l.endsWith(" 99"));
        assertThat(lines(http.get("/v1/functions/talk-ns/logs"))).hasSize(2).allMatch(l -> l.endsWith(" 3"));

        assertThat(other.delete("/v1/functions/talk-ns").status()).isEqualTo(200);
        assertThat(other.get("/v1/functions/talk-ns/logs").status()).isEqualTo(404);
        other.deploySource("talk-ns", "javascript", "index.handler", JS, Map.of());
        assertThat(lines(other.get("/v1/functions/talk-ns/logs"))).isEmpty();
        assertThat(lines(http.get("/v1/functions/talk-ns/logs"))).hasSize(2);
    }

    @Test
    void refuses_a_bad_limit_and_an_unknown_function_by_name() {
        for (String limit : List.of("0", "501", "-3", "ten", "")) {
            Http.Response r = http.get("/v1/functions/talk-js/logs?limit=" + limit);
            assertThat(r.status()).as(limit + ": " + r).isEqualTo(400);
            assertThat(r.json().path("error").path("message").asText())
                    .isEqualTo("Query parameter 'limit' must be a whole number from 1 to 500; got '" + limit + "'");
        }
        Http.Response missing = http.get("/v1/functions/nobody/logs");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error").path("message").asText()).startsWith("Function 'nobody' not found");
        assertThat(http.withoutKey().get("/v1/functions/talk-js/logs").status()).isEqualTo(401);
    }
}
