package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error class, with its status and a message that names what was wrong; the node keeps serving. */
class ErrorClassesTest {
    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start("--queue-capacity", "1", "--max-body-bytes", "1048576");
        http = node.http();
        http.deploySource("probe", "javascript", "index.handler",
                "exports.handler = async (e) => ({ ok: true, echo: e.x });", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    private static void assertProbeServes() {
        Http.Response r = http.invoke("probe", "{\"x\":42}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("echo").asInt()).isEqualTo(42);
    }

    private static JsonNode error(Http.Response r, int status) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        return r.json().path("error");
    }

    @Test
    void answers_404_for_an_unknown_function_naming_those_that_exist() {
        JsonNode e = error(http.invoke("nope", "{}"), 404);
        assertThat(e.path("type").asText()).isEqualTo("NotFound");
        assertThat(e.path("message").asText()).contains("Function 'nope' not found", "probe");
        assertThat(error(http.get("/v1/functions/nope"), 404).path("message").asText()).contains("'nope'");
        assertThat(error(http.delete("/v1/functions/nope"), 404).path("message").asText()).contains("'nope'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json                  | {\"language\": | not valid JSON",
        "not an object             | [1,2]          | must be a JSON object",
        "missing language          | {\"handler\":\"main\",\"code\":\"x\"} | Missing field 'language'",
        "unknown language          | {\"language\":\"cobol\",\"handler\":\"main\",\"code\":\"x\"} | unknown language 'cobol'",
        "language of wrong type    | {\"language\":7,\"handler\":\"main\",\"code\":\"x\"} | Field 'language' must be a string",
        "missing handler           | {\"language\":\"javascript\",\"code\":\"x\"} | Missing field 'handler'",
        "no code                   | {\"language\":\"javascript\",\"handler\":\"main\"} | exactly one of 'code'",
        "code and archive          | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"archive\":\"eA==\"} | got both",
        "unknown field             | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"memory\":5} | Unknown field(s) [memory]",
        "timeout of wrong type     | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"timeoutMs\":\"5s\"} | Field 'timeoutMs' must be an integer",
        "timeout out of range      | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"timeoutMs\":0} | Field 'timeoutMs' must be from 1",
        "concurrency out of range  | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"concurrency\":100000} | Field 'concurrency' must be from 1 to 256",
        "env not an object         | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"env\":[1]} | Field 'env' must be an object",
        "env value not a string    | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"env\":{\"A\":1}} | Field 'env.A' must be a string",
        "bad sandbox policy        | {\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"x\",\"sandbox\":\"shared\"} | Field 'sandbox': unknown policy 'shared'",
        "archive not base64        | {\"language\":\"javascript\",\"handler\":\"main\",\"archive\":\"%%%\"} | Field 'archive' is not valid base64",
        "archive not a zip         | {\"language\":\"javascript\",\"handler\":\"main\",\"archive\":\"aGVsbG8=\"} | Field 'archive' is not a zip",
        "jar not a jar             | {\"language\":\"java\",\"handler\":\"a.B::c\",\"archive\":\"aGVsbG8=\"} | is not a jar",
    })
    void answers_400_naming_the_field_for_a_bad_deploy(String label, String body, String message) {
        JsonNode e = error(http.send("PUT", "/v1/functions/bad", body), 400);
        assertThat(e.path("message").asText()).contains(message);
        assertThat(error(http.get("/v1/functions/bad"), 404).path("message").asText()).contains("'bad'");
        assertProbeServes();
    }

    @Test
    void answers_400_for_a_function_name_with_path_or_unicode_characters() {
        String deploy = "{\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"function main(){}\"}";
        for (String name : List.of("a.b", "caf%C3%A9", "a%20b", "-lead", "x".repeat(65))) {
            JsonNode e = error(http.send("PUT", "/v1/functions/" + name, deploy), 400);
            assertThat(e.path("message").asText()).as(name).contains("Invalid function name");
        }
        // Dot segments and encoded slashes may be resolved by the server before routing (then no function route
        // matches: 404), or reach the name check (400); either way a JSON error, and nothing is stored.
        for (String name : List.of("..", "%2e%2e", "a%2Fb")) {
            Http.Response r = http.send("PUT", "/v1/functions/" + name, deploy);
            assertThat(r.status()).as(r.toString()).isIn(400, 404);
            assertThat(r.json().path("error").path("message").asText()).as(name)
                    .containsAnyOf("Invalid function name", "No endpoint PUT");
        }
        assertThat(Http.names(http.get("/v1/functions").json().path("functions")))
                .noneMatch(n -> n.contains(".") || n.contains("caf") || n.contains(" "));
    }

    @Test
    void reports_a_javascript_syntax_error_at_deploy_with_file_and_line() {
        Http.Response r = http.send("PUT", "/v1/functions/broken", Http.JSON.createObjectNode()
                .put("language", "javascript").put("handler", "index.handler")
                .put("code", "exports.handler = async () => {\n  return {a: 1;\n};").toString());
        JsonNode e = error(r, 400);
        assertThat(e.path("message").asText()).contains("index.js", "line 2");
        assertThat(http.get("/v1/functions/broken").status()).isEqualTo(404);
    }

    @Test
    void reports_a_python_syntax_error_at_deploy_with_file_and_line() {
        Http.Response r = http.send("PUT", "/v1/functions/broken-py", Http.JSON.createObjectNode()
                .put("language", "python").put("handler", "app.handler")
                .put("code", "def handler(event, context):\n    return {'a': 1\n").toString());
        JsonNode e = error(r, 400);
        assertThat(e.path("message").asText()).contains("app.py", "line");
    }

    @Test
    void reports_a_missing_handler_at_deploy_naming_what_is_exported() {
        JsonNode js = error(http.send("PUT", "/v1/functions/misnamed", Http.JSON.createObjectNode()
                .put("language", "javascript").put("handler", "index.hndler")
                .put("code", "exports.handler = async () => 1; exports.main = () => 2;").toString()), 400);
        assertThat(js.path("message").asText()).contains("'index.hndler'", "handler", "main");
        JsonNode py = error(http.send("PUT", "/v1/functions/misnamed-py", Http.JSON.createObjectNode()
                .put("language", "python").put("handler", "app.hndler")
                .put("code", "def handler(event, context):\n    return 1\n").toString()), 400);
        assertThat(py.path("message").asText()).contains("hndler", "handler");
        JsonNode jv = error(http.send("PUT", "/v1/functions/misnamed-java", Http.JSON.createObjectNode()
                .put("language", "java").put("handler", "fixtures.NoSuchClass::main")
                .put("archive", java.util.Base64.getEncoder().encodeToString(Fixtures.javaJar())).toString()), 400);
        assertThat(jv.path("message").asText()).contains("fixtures.NoSuchClass", "fixtures.LambdaGreeter");
    }

    @Test
    void keeps_the_stored_version_when_a_replace_fails_to_load() {
        http.deploySource("stable", "javascript", "index.handler", "exports.handler = async () => ({v: 1});",
                Map.of());
        error(http.send("PUT", "/v1/functions/stable", Http.JSON.createObjectNode().put("language", "javascript")
                .put("handler", "index.handler").put("code", "exports.handler = (").toString()), 400);
        Http.Response r = http.invoke("stable", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("v").asInt()).isEqualTo(1);
        assertThat(http.get("/v1/functions/stable").json().path("version").asInt()).isEqualTo(1);
    }

    @Test
    void answers_502_with_the_guest_error_type_message_and_stack() {
        http.deploySource("thrower", "javascript", "index.handler",
                "function inner(x) { throw new TypeError('bad input: ' + x); }\n"
                        + "exports.handler = async (e) => inner(e.x);", Map.of());
        JsonNode js = error(http.invoke("thrower", "{\"x\":7}"), 502);
        assertThat(js.path("type").asText()).isEqualTo("TypeError");
        assertThat(js.path("message").asText()).contains("bad input: 7");
        assertThat(js.path("stack").toString()).contains("inner");

        http.deploySource("thrower-py", "python", "app.handler",
                "def handler(event, context):\n    raise ValueError('bad value ' + str(event['x']))\n", Map.of());
        JsonNode py = error(http.invoke("thrower-py", "{\"x\":7}"), 502);
        assertThat(py.path("type").asText()).isEqualTo("ValueError");
        assertThat(py.path("message").asText()).contains("bad value 7");

        http.deployArchive("thrower-java", "java", "fixtures.GraalvisorGreeter::main", Fixtures.javaJar(), Map.of());
        JsonNode java = error(http.invoke("thrower-java", "[1]"), 502);
        assertThat(java.path("message").asText()).isNotBlank();
        assertProbeServes();
    }

    @Test
    void answers_400_for_an_event_that_is_not_json() {
        JsonNode e = error(http.invoke("probe", "{\"x\": "), 400);
        assertThat(e.path("message").asText()).contains("not valid JSON");
    }

    @Test
    void answers_413_for_a_body_over_the_limit() {
        String big = "{\"x\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}";
        Http.Response r = http.invoke("probe", big);
        assertThat(r.status()).isEqualTo(413);
        assertProbeServes();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "javascript | index.handler | exports.handler = async () => { while (true) {} };",
        "python     | app.handler   | def handler(event, context):\\n    while True:\\n        pass\\n",
    })
    void times_out_an_infinite_loop_with_504_while_the_node_serves_other_functions(String language, String handler,
                                                                                    String code) throws Exception {
        String name = "loop-" + language;
        http.deploySource(name, language, handler, code.replace("\\n", "\n"), Map.of("timeoutMs", 1500));
        CompletableFuture<Http.Response> looping = CompletableFuture.supplyAsync(() -> http.invoke(name, "{}"));
        Thread.sleep(200);
        for (int i = 0; i < 5; i++) {
            assertProbeServes();
        }
        JsonNode e = error(looping.get(), 504);
        assertThat(e.path("type").asText()).isEqualTo("Timeout");
        assertThat(e.path("message").asText()).contains("timed out after 1500 ms");
        // Its sandbox was discarded: the next invocation gets a new one and times out again, cleanly.
        assertThat(http.invoke(name, "{}").status()).isEqualTo(504);
        assertProbeServes();
    }

    @Test
    void stops_a_memory_bomb_at_its_memory_limit_with_502_while_the_node_keeps_serving() {
        http.deploySource("bomb", "javascript", "index.handler",
                "exports.handler = async () => { const a = []; while (true) { a.push('x'.repeat(1024) + a.length); } };",
                Map.of("memoryMb", 64, "timeoutMs", 60000));
        JsonNode e = error(http.invoke("bomb", "{}"), 502);
        assertThat(e.path("type").asText()).isEqualTo("MemoryLimitExceeded");
        assertThat(e.path("message").asText()).contains("'bomb'", "64 MB");
        assertProbeServes();
        assertThat(error(http.invoke("bomb", "{}"), 502).path("type").asText()).isEqualTo("MemoryLimitExceeded");
    }

    @Test
    void answers_429_when_the_function_queue_is_full() throws Exception {
        http.deploySource("slow", "javascript", "index.handler",
                "exports.handler = async () => { const t = Date.now(); while (Date.now() - t < 1500) {} return 1; };",
                Map.of("concurrency", 1));
        List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> http.invoke("slow", "{}")));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Http.Response> c : calls) {
            statuses.add(c.get().status());
        }
        assertThat(statuses).contains(200, 429).containsOnly(200, 429);
        Http.Response refused = calls.stream().map(CompletableFuture::join).filter(r -> r.status() == 429)
                .findFirst().orElseThrow();
        assertThat(refused.json().path("error").path("message").asText()).contains("'slow' is overloaded");
        assertProbeServes();
    }

    @Test
    void rejects_a_python_function_with_the_fresh_sandbox_policy_saying_why() {
        ObjectNode body = Http.JSON.createObjectNode().put("language", "python").put("handler", "main")
                .put("code", "def main(a):\n    return a\n").put("sandbox", "fresh");
        JsonNode e = error(http.put("/v1/functions/fresh-py", body), 400);
        assertThat(e.path("message").asText()).contains("fresh");
    }
}
