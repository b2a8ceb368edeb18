package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * {@code --engine-per-function python} on a real node: each Python function runs on a GraalPy engine of its own
 * (so other functions' deploys cannot disturb its compiled code; what that buys is measured by
 * bench/python-engine-prime.sh), and says so in {@code GET /v1/functions/{name}} ({@code GET /v1/node} names the
 * option's languages under {@code engines}); a JavaScript function beside them
 * stays on the shared engine; deleting one Python function (which closes its engine) leaves the other serving.
 */
class EnginePerFunctionTest {
    private static final String PYTHON = """
            def handler(event, context):
                return {"n": event["n"] + %d}
            """;
    private static final String JS = "exports.handler = async (event) => ({n: event.n + 10});\n";

    @Test
    void each_python_function_gets_an_engine_of_its_own_and_says_so() throws Exception {
        try (NodeProcess node = NodeProcess.start("--engine-per-function", "python")) {
            Http http = node.http();
            JsonNode engines = http.get("/v1/node").json().path("engines");
            assertThat(engines.path("perFunction").toString()).isEqualTo("[\"python\"]");
            assertThat(engines.path("pythonEnginePrime").asInt()).isZero();
            assertThat(http.deploySource("one", "python", "handler", PYTHON.formatted(1), Map.of()).status())
                    .isEqualTo(201);
            assertThat(http.deploySource("two", "python", "handler", PYTHON.formatted(2), Map.of()).status())
                    .isEqualTo(201);
            assertThat(http.deploySource("js", "javascript", "index.handler", JS, Map.of()).status()).isEqualTo(201);

            for (String name : new String[] {"one", "two"}) {
                JsonNode engine = http.get("/v1/functions/" + name).json().path("engine");
                assertThat(engine.path("name").asText()).as(name).isEqualTo("default");
                assertThat(engine.path("reason").asText()).as(name)
                        .endsWith("; on an engine of its own (engine per function for python)");
            }
            assertThat(http.get("/v1/functions/js").json().path("engine").path("reason").asText())
                    .doesNotContain("engine of its own");
            assertThat(http.invoke("one", "{\"n\": 1}").json().path("n").asInt()).isEqualTo(2);
            assertThat(http.invoke("two", "{\"n\": 1}").json().path("n").asInt()).isEqualTo(3);
            assertThat(http.invoke("js", "{\"n\": 1}").json().path("n").asInt()).isEqualTo(11);

            assertThat(http.delete("/v1/functions/one").status()).isEqualTo(200);
            assertThat(http.invoke("one", "{\"n\": 1}").status()).isEqualTo(404);
            assertThat(http.invoke("two", "{\"n\": 5}").json().path("n").asInt()).isEqualTo(7);
        }
    }

    @Test
    void refuses_to_start_with_an_engine_per_function_for_java() throws Exception {
        HotvisorCommand.Run run = HotvisorCommand.run("node", "--port", "0", "--engine-per-function", "java");
        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("Invalid --engine-per-function 'java': 'java' is not javascript or python");
    }
}
