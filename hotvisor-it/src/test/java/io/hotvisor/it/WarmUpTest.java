package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Declared warm-up inputs on a real node: replayed in a throw-away sandbox at deploy and at restart, before the
 * function takes traffic (the node is not ready until then), with nothing leaking: no result, no output, no guest state, no counted invocation.
 */
class WarmUpTest {
    /** Counts its calls per sandbox, prints its event's tag and does some work worth compiling. */
    private static final String FUNCTION = """
            let calls = 0;
            exports.handler = async (event) => {
              calls++;
              console.log('tag=' + event.tag);
              let h = 0;
              for (let i = 0; i < 20000; i++) { h = (h * 31 + i) | 0; }
              return { calls, tag: event.tag, h };
            };
            """;
    private static final List<Map<String, String>> INPUTS = List.of(Map.of("tag", "warmup-secret-1"),
            Map.of("tag", "warmup-secret-2"));

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
    }

    private static void assertWarmedUp(JsonNode warmUp) {
        assertThat(warmUp.path("outcome").asText()).as(warmUp.toString()).isIn("hot", "settled", "max_replays",
                "budget");
        assertThat(warmUp.path("replays").asInt()).isPositive();
        if (warmUp.path("outcome").asText().equals("settled")) {
            assertThat(warmUp.path("replays").asInt()).isGreaterThanOrEqualTo(10);
        }
    }

    private static String log() throws Exception {
        return Files.readString(node.log());
    }

    private static void awaitInLog(String text) throws Exception {
        for (int i = 0; i < 200 && !log().contains(text); i++) {
            Thread.sleep(50);
        }
        assertThat(log()).contains(text);
    }

    @Test
    void replays_the_declared_inputs_before_traffic_and_leaks_nothing_of_them() throws Exception {
        Http.Response deployed = http.deploySource("warm", "javascript", "index.handler", FUNCTION,
                Map.of("warmupInputs", INPUTS));
        System.out.println("deploy: " + deployed.json().path("warmUp") + " in " + deployed.json().path("loadMs") + " ms");
        assertWarmedUp(deployed.json().path("warmUp"));

        JsonNode described = http.get("/v1/functions/warm").json();
        assertThat(described.path("warmupInputs").toString())
                .isEqualTo("[{\"tag\":\"warmup-secret-1\"},{\"tag\":\"warmup-secret-2\"}]");
        assertThat(described.path("warmUp")).isEqualTo(deployed.json().path("warmUp"));
        assertThat(described.path("warmth").path("state").asText()).as("replays are not invocations")
                .isEqualTo("cold");

        Http.Response r = http.invoke("warm", "{\"tag\": \"real-1\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("calls").asInt()).as("no replay ran in this sandbox").isEqualTo(1);
        assertThat(r.json().path("tag").asText()).isEqualTo("real-1");
        JsonNode warmth = http.get("/v1/functions/warm").json().path("warmth");
        assertThat(warmth.path("invocations").path("hot").asInt() + warmth.path("invocations").path("warming").asInt())
                .isEqualTo(1);
        assertThat(http.get("/metrics").body()).contains("hotvisor_invocations_total{function=\"warm\","
                + "language=\"javascript\",namespace=\"default\",outcome=\"success\"} 1.0");
        awaitInLog("tag=real-1");
        assertThat(log()).as("what the replays printed").doesNotContain("warmup-secret");
    }

    @Test
    void a_restarted_node_warms_its_stored_functions_up_before_it_is_ready() throws Exception {
        http.deploySource("warm-restart", "javascript", "index.handler", FUNCTION, Map.of("warmupInputs", INPUTS));

        node.restart();
        http = node.http();
        for (int i = 0; i < 2_400 && http.get("/readyz").status() != 200; i++) {
            Thread.sleep(50);
        }
        assertThat(http.get("/readyz").status()).isEqualTo(200);

        JsonNode warmUp = http.get("/v1/functions/warm-restart").json().path("warmUp");
        System.out.println("after restart: " + warmUp);
        assertWarmedUp(warmUp);
        assertThat(http.invoke("warm-restart", "{\"tag\": \"real-2\"}").json().path("calls").asInt()).isEqualTo(1);
    }

    @Test
    void refuses_warm_up_inputs_that_are_not_an_array_too_many_or_too_big() {
        ObjectNode body = Http.JSON.createObjectNode().put("language", "javascript").put("handler", "index.handler")
                .put("code", FUNCTION);
        body.putObject("warmupInputs");
        assertThat(http.put("/v1/functions/bad", body).json().path("error").path("message").asText())
                .isEqualTo("Field 'warmupInputs' must be an array of events (JSON values) to replay; got object");

        var many = body.putArray("warmupInputs");
        for (int i = 0; i < 17; i++) {
            many.addObject().put("i", i);
        }
        Http.Response tooMany = http.put("/v1/functions/bad", body);
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().path("error").path("message").asText())
                .isEqualTo("Field 'warmupInputs' has 17 events; the limit is 16");

        body.putArray("warmupInputs").add("x".repeat(70_000));
        assertThat(http.put("/v1/functions/bad", body).json().path("error").path("message").asText())
                .isEqualTo("Field 'warmupInputs[0]' is 70002 bytes of JSON; the limit is 65536");

        assertThat(http.get("/v1/functions/bad").status()).isEqualTo(404);
    }
}
