package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Python function keeps a spare sandbox (a GraalPy context) so that no call pays for one. Called one call at a
 * time, it never uses the spare; the node keeps it while the function is in use, however old, instead of closing it
 * at the keep-alive and making it again at the next call (GraalPy recompiled the function after each such pair).
 * Once the function is idle for longer than the keep-alive, the spare goes.
 */
class PythonSpareTest {
    private static final String LABELS = "function=\"py\",language=\"python\",namespace=\"default\"";
    private static final String PYTHON = """
            def handler(event, context):
                return {"n": event["n"]}
            """;

    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        // Keep-alive 2 s: each call below comes 1.2 s after the last (an idle worker checks every second), so the
        // spare, made at the first call and never used, is older than the keep-alive for most of them.
        node = NodeProcess.start("--keep-alive", "2s");
        http = node.http();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void a_python_function_in_use_keeps_its_spare_sandbox_past_the_keep_alive_and_loses_it_when_idle()
            throws Exception {
        assertThat(http.deploySource("py", "python", "handler", PYTHON, Map.of()).status()).isEqualTo(201);
        assertThat(http.invoke("py", "{\"n\": 0}").json().path("n").asInt()).isZero();
        TestCluster.await(() -> metric("hotvisor_live_sandboxes"), n -> n == 2, "the spare made after the first call");

        for (int i = 1; i <= 8; i++) {
            Thread.sleep(1200);
            assertThat(http.invoke("py", "{\"n\": " + i + "}").json().path("n").asInt()).isEqualTo(i);
        }
        assertThat(metric("hotvisor_sandbox_creation_seconds_count")).as("the deploy's sandbox and the spare, no more")
                .isEqualTo(2);
        assertThat(metric("hotvisor_live_sandboxes")).isEqualTo(2);

        // Idle for longer than the keep-alive: the spare goes, the one a Python function always keeps stays.
        TestCluster.await(() -> metric("hotvisor_live_sandboxes"), n -> n == 1, "the spare released when idle");
        assertThat(metric("hotvisor_sandbox_creation_seconds_count")).isEqualTo(2);
    }

    /** A per-function value of {@code /metrics} for {@code py}. */
    private static double metric(String name) {
        String body = http.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{" + Pattern.quote(LABELS) + "\\} (\\S+)$").matcher(body);
        assertThat(m.find()).as(name + " for py in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
