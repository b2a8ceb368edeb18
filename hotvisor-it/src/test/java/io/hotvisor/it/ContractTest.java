package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every language keeps: each handler shape, as a single file or a bundle, deploys unchanged, answers
 * synchronously and asynchronously with the same result, is listed and described, replaced and deleted.
 */
class ContractTest {
    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start();
        http = node.http();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
        // Every language was deployed and invoked: none of it may have run guest code on a virtual thread.
        assertThat(java.nio.file.Files.readString(node.log()))
                .doesNotContain("Using polyglot contexts on Java virtual threads");
    }

    /** One function: how it is packaged and what its answer must hold. */
    record Case(String name, String language, String handler, String source, String bundle, boolean javaJar,
                String shape, boolean lambdaContext) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("js-lambda-async", "javascript", "index.handler", "javascript/lambda-async/index.js", null,
                        false, "lambda-async", true),
                new Case("js-lambda-sync", "javascript", "index.handler", "javascript/lambda-sync/index.js", null,
                        false, "lambda-sync", true),
                new Case("js-openwhisk", "javascript", "main", "javascript/openwhisk/main.js", null, false,
                        "openwhisk", false),
                new Case("js-bundle", "javascript", "index.handler", null, "javascript/bundle", false, "bundle",
                        false),
                new Case("py-lambda", "python", "lambda_function.lambda_handler", "python/lambda/lambda_function.py",
                        null, false, "lambda", true),
                new Case("py-openwhisk", "python", "main", "python/openwhisk/main.py", null, false, "openwhisk",
                        false),
                new Case("py-bundle", "python", "app.handler", null, "python/bundle", false, "bundle", false),
                new Case("java-lambda", "java", "fixtures.LambdaGreeter::handleRequest", null, null, true, "lambda",
                        true),
                new Case("java-lambda-stream", "java", "fixtures.StreamGreeter::handleRequest", null, null, true,
                        "lambda-stream", true),
                new Case("java-graalvisor", "java", "fixtures.GraalvisorGreeter::main", null, null, true,
                        "graalvisor", false),
                new Case("java-openwhisk", "java", "fixtures.OpenWhiskGreeter::main", null, null, true, "openwhisk",
                        false));
    }

    private static Http.Response deploy(Case c) {
        if (c.source() != null) {
            return http.deploySource(c.name(), c.language(), c.handler(), Fixtures.text(c.source()), Map.of());
        }
        byte[] archive = c.javaJar() ? Fixtures.javaJar() : Fixtures.zip(c.bundle());
        return http.deployArchive(c.name(), c.language(), c.handler(), archive, Map.of());
    }

    private static void assertGreeting(Case c, JsonNode result, String invocationId) {
        assertThat(result.path("greeting").asText()).isEqualTo("Hello Ada");
        assertThat(result.path("shape").asText()).isEqualTo(c.shape());
        if (c.lambdaContext()) {
            assertThat(result.path("function").asText()).isEqualTo(c.name());
            assertThat(result.path("requestId").asText()).isEqualTo(invocationId);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void deploys_invokes_lists_replaces_and_deletes_every_handler_shape(Case c) throws Exception {
        Http.Response created = deploy(c);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().path("version").asLong()).isEqualTo(1);

        for (int i = 0; i < 3; i++) {
            Http.Response r = http.invoke(c.name(), "{\"name\":\"Ada\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            String id = r.header("X-Hotvisor-Invocation-Id");
            assertThat(id).isNotBlank();
            assertThat(Long.parseLong(r.header("X-Hotvisor-Duration-Us"))).isNotNegative();
            assertGreeting(c, r.json(), id);
        }

        Http.Response accepted = http.post("/v1/functions/" + c.name() + "/invoke?mode=async", "{\"name\":\"Ada\"}");
        assertThat(accepted.status()).isEqualTo(202);
        String asyncId = accepted.json().path("id").asText();
        JsonNode done = awaitAsync(asyncId);
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("function").asText()).isEqualTo(c.name());
        assertGreeting(c, done.path("result"), asyncId);

        JsonNode described = http.get("/v1/functions/" + c.name()).json();
        assertThat(described.path("language").asText()).isEqualTo(c.language());
        assertThat(described.path("handler").asText()).isEqualTo(c.handler());
        assertThat(described.path("version").asLong()).isEqualTo(1);
        assertThat(described.path("state").asText()).isEqualTo("ready");
        JsonNode listed = http.get("/v1/functions").json().path("functions");
        assertThat(Http.names(listed)).contains(c.name());

        Http.Response replaced = deploy(c);
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().path("version").asLong()).isEqualTo(2);
        Http.Response again = http.invoke(c.name(), "{\"name\":\"Ada\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("X-Hotvisor-Function-Version")).isEqualTo("2");

        assertThat(http.delete("/v1/functions/" + c.name()).status()).isEqualTo(200);
        Http.Response gone = http.invoke(c.name(), "{\"name\":\"Ada\"}");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().path("error").path("message").asText())
                .contains("Function '" + c.name() + "' not found");
    }

    @org.junit.jupiter.api.Test
    void an_event_reaches_the_function_compact_with_its_strings_and_numbers_as_sent() throws Exception {
        assertThat(http.deployArchive("stream-event", "java", "fixtures.StreamGreeter::handleRequest",
                Fixtures.javaJar(), Map.of()).status()).isEqualTo(201);
        String pretty = "\uFEFF{\n  \"name\" : \"Ada  Lovelace\",\r\n\t\"q\" : \"say \\\" hi \",  "
                + "\"n\" : [ 1.50 , 1e3 ]\n}\n";
        String compact = "{\"name\":\"Ada  Lovelace\",\"q\":\"say \\\" hi \",\"n\":[1.50,1e3]}";
        Http.Response sync = http.invoke("stream-event", pretty);
        assertThat(sync.status()).as(sync.toString()).isEqualTo(200);
        assertThat(sync.json().path("event").asText()).as(sync.toString()).isEqualTo(compact);
        // The Graalvisor API's arguments as JSON text are the event too.
        Http.Response graalvisor = http.post("/", Http.JSON.writeValueAsString(
                Map.of("name", "stream-event", "arguments", pretty)));
        assertThat(graalvisor.status()).as(graalvisor.toString()).isEqualTo(200);
        assertThat(Http.JSON.readTree(graalvisor.json().path("result").asText()).path("event").asText())
                .isEqualTo(compact);
        // A body of whitespace alone is an empty body: the empty object.
        Http.Response blank = http.invoke("stream-event", " \r\n\t ");
        assertThat(blank.status()).as(blank.toString()).isEqualTo(200);
        assertThat(blank.json().path("event").asText()).isEqualTo("{}");
        assertThat(http.delete("/v1/functions/stream-event").status()).isEqualTo(200);
    }

    @org.junit.jupiter.api.Test
    void runs_a_fat_jar_with_its_own_library_and_the_hotvisor_handler_shape() throws Exception {
        byte[] jar = java.nio.file.Files.readAllBytes(Fixtures.examplesJar());
        // The fat jar's commons-lang3 trips the deploy-time scan: in worker processes, as examples/java deploys it.
        http.deployArchive("capitalize", "java", "io.hotvisor.examples.Capitalize::handle", jar,
                Map.of("isolation", "process"));
        Http.Response r = http.invoke("capitalize", "{\"text\":\"hello fat jar world\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("text").asText()).isEqualTo("Hello Fat Jar World");
        assertThat(r.json().path("abbreviated").asText()).isEqualTo("Hello Fat...");

        http.deployArchive("hv-hello", "java", "io.hotvisor.examples.HotvisorHello", jar,
                Map.of("env", Map.of("GREETING", "Howdy"), "isolation", "process"));
        Http.Response h = http.invoke("hv-hello", "{\"name\":\"Ada\"}");
        assertThat(h.status()).as(h.toString()).isEqualTo(200);
        assertThat(h.json().path("message").asText()).isEqualTo("Howdy, Ada!");
        assertThat(h.json().path("invocationId").asText()).isEqualTo(h.header("X-Hotvisor-Invocation-Id"));
        assertThat(h.json().path("version").asInt()).isEqualTo(1);
    }

    static JsonNode awaitAsync(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Http.Response r = http.get("/v1/invocations/" + id);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            JsonNode n = r.json();
            if (!n.path("status").asText().equals("queued")) {
                return n;
            }
            assertThat(System.nanoTime()).as("async invocation %s not done in 60 s", id).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
