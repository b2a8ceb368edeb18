package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Python function keeps a spare sandbox (a GraalPy context) so that no call pays for one, and it keeps it for good:
 * every new GraalPy context undoes some of the function's compiled code, which its contexts share. Called one call
 * at a time it never uses the spare, and idle it has no use for it; the node used to close it at the keep-alive and
 * make it again at the next call. A function with warm-up inputs gets its spare before its replays, so its first
 * calls make no context.
 */
class PythonSpareTest {
    private static final String PYTHON = """
            def handler(event, context):
                return {"n": event["n"]}
            """;

    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        // Keep-alive 2 s: an idle worker checks every second whether a sandbox has been idle that long.
        node = NodeProcess.start("--keep-alive", "2s");
        http = node.http();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void a_python_function_keeps_its_spare_sandbox_past_the_keep_alive_whether_in_use_or_idle() throws Exception {
        assertThat(http.deploySource("py", "python", "handler", PYTHON, Map.of()).status()).isEqualTo(201);
        assertThat(http.invoke("py", "{\"n\": 0}").json().path("n").asInt()).isZero();
        TestCluster.await(() -> metric("py", "hotvisor_live_sandboxes"), n -> n == 2,
                "the spare made after the first call");

        for (int i = 1; i <= 6; i++) {
            // 1.2 s: in use, the spare older than the keep-alive; 3.5 s: idle for longer than the keep-alive.
            Thread.sleep(i % 2 == 1 ? 1200 : 3500);
            assertThat(http.invoke("py", "{\"n\": " + i + "}").json().path("n").asInt()).isEqualTo(i);
        }
        Thread.sleep(3500);
        assertThat(metric("py", "hotvisor_sandbox_creation_seconds_count"))
                .as("the deploy's sandbox and the spare, no more").isEqualTo(2);
        assertThat(metric("py", "hotvisor_live_sandboxes")).isEqualTo(2);
    }

    @Test
    void a_python_function_with_warm_up_inputs_has_its_spare_before_its_first_call() throws Exception {
        Http.Response deployed = http.deploySource("pywarm", "python", "handler", PYTHON,
                Map.of("warmupInputs", List.of(Map.of("n", 7))));
        assertThat(deployed.json().path("warmUp").path("replays").asInt()).as(deployed.body()).isPositive();
        assertThat(metric("pywarm", "hotvisor_live_sandboxes")).as("made before the replays").isEqualTo(2);

        for (int i = 1; i <= 3; i++) {
            assertThat(http.invoke("pywarm", "{\"n\": " + i + "}").json().path("n").asInt()).isEqualTo(i);
        }
        Thread.sleep(500);
        assertThat(metric("pywarm", "hotvisor_sandbox_creation_seconds_count"))
                .as("the calls made no sandbox (the replays' own is not a serving sandbox)").isEqualTo(2);
    }

    /** A per-function value of {@code /metrics} for {@code function}. */
    private static double metric(String function, String name) {
        String labels = "function=\"" + function + "\",language=\"python\",namespace=\"default\"";
        String body = http.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{" + Pattern.quote(labels) + "\\} (\\S+)$").matcher(body);
        assertThat(m.find()).as(name + " for " + function + " in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
