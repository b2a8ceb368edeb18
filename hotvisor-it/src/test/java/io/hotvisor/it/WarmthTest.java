package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warmth on a real node: a CPU-heavy JavaScript function goes cold, warming, hot in {@code GET /v1/functions/{name}}
 * and in {@code /metrics}, with its first invocations' trajectory; a replace starts cold again.
 */
class WarmthTest {
    /** Invocations allowed to reach hot; a node settles a steady function after 10, a JIT curve in a few hundred. */
    private static final int PATIENCE = 3_000;
    private static final String LABELS = "function=\"wc\",language=\"javascript\",namespace=\"default\"";

    /** A word count over a text it builds once per sandbox, as in the Ignite paper's benchmark (smaller). */
    private static final String WORD_COUNT = """
            const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
            let text = '';
            for (let i = 0; i < 4000; i++) { text += words[(i * 7) % words.length] + (i % 13 === 0 ? '\\n' : ' '); }
            exports.handler = async (event) => {
              const counts = new Map();
              for (const w of text.split(/\\s+/)) { if (w) counts.set(w, (counts.get(w) || 0) + 1); }
              return { distinct: counts.size, alpha: counts.get('alpha') };
            };
            """;

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

    private static JsonNode warmth() {
        Http.Response r = http.get("/v1/functions/wc");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("warmth");
    }

    private static String metrics() {
        Http.Response r = http.get("/metrics");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body();
    }

    private static double metric(String m, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(m);
        assertThat(matcher.find()).as(name + " in /metrics").isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    @Test
    void a_javascript_function_goes_cold_warming_hot_in_the_api_and_the_metrics() {
        http.deploySource("wc", "javascript", "index.handler", WORD_COUNT, Map.of());

        JsonNode cold = warmth();
        assertThat(cold.path("state").asText()).isEqualTo("cold");
        assertThat(cold.path("reference").asText()).isEqualTo("none");
        assertThat(cold.path("hotFactor").asDouble()).isEqualTo(1.3);
        assertThat(cold.path("firstInvocationsUs")).isEmpty();
        assertThat(cold.has("steadyStateUs")).isFalse();
        assertThat(metrics()).contains("hotvisor_function_warmth{" + LABELS + ",state=\"cold\"} 1.0",
                "hotvisor_function_warmth{" + LABELS + ",state=\"hot\"} 0.0");

        List<String> states = new ArrayList<>();
        List<String> heard = new ArrayList<>();
        int invoked = 0;
        while (invoked < PATIENCE && !states.contains("hot")) {
            Http.Response r = http.invoke("wc", "{}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("alpha").asInt()).isEqualTo(500);
            invoked++;
            JsonNode w = warmth();
            states.add(w.path("state").asText());
            heard.add(r.header("X-Hotvisor-Warmth"));
            // ... and the CPU time it was judged on: the latest of the node's recent latencies, at most its duration.
            long cpuUs = Long.parseLong(r.header("X-Hotvisor-Cpu-Us"));
            JsonNode recent = w.path("recentUs");
            assertThat(cpuUs).as("X-Hotvisor-Cpu-Us of invocation %d, recentUs %s", invoked, recent)
                    .isEqualTo((long) Math.floor(recent.get(recent.size() - 1).asDouble()))
                    .isLessThanOrEqualTo(Long.parseLong(r.header("X-Hotvisor-Duration-Us")));
        }

        // Each caller hears the state its own invocation ran in: the one the node counted it in.
        assertThat(heard).as("X-Hotvisor-Warmth of each invocation").isEqualTo(states);

        // Alone, a node calls a function warming until its latency stops falling: at least 2 x 5 invocations.
        assertThat(states).as("states after each invocation").contains("hot");
        assertThat(states.subList(0, 9)).containsOnly("warming");
        JsonNode hot = warmth();
        System.out.println("wc: hot after " + invoked + " invocations; warmth " + hot);
        assertThat(hot.path("state").asText()).isEqualTo("hot");
        assertThat(hot.path("reference").asText()).isEqualTo("node");
        assertThat(hot.path("steadyStateUs").asDouble()).isPositive();
        assertThat(hot.path("referenceUs").asDouble()).isEqualTo(hot.path("steadyStateUs").asDouble());
        assertThat(hot.path("floorUs").asDouble())
                .isLessThanOrEqualTo(hot.path("steadyStateUs").asDouble() * 1.3);
        assertThat(hot.path("invocations").path("hot").asLong()).isEqualTo(1);
        assertThat(hot.path("invocations").path("warming").asLong()).isEqualTo(invoked - 1);
        assertThat(hot.path("firstInvocationsUs")).hasSize(Math.min(invoked, 200));
        assertThat(hot.path("recentUs")).hasSize(Math.min(invoked, 32));
        hot.path("firstInvocationsUs").forEach(us -> assertThat(us.asDouble()).isPositive());

        String m = metrics();
        assertThat(m).contains("hotvisor_function_warmth{" + LABELS + ",state=\"hot\"} 1.0",
                "hotvisor_function_warmth{" + LABELS + ",state=\"cold\"} 0.0",
                "hotvisor_function_warmth{" + LABELS + ",state=\"warming\"} 0.0");
        assertThat(metric(m, "hotvisor_invocations_by_warmth_total{" + LABELS + ",warmth=\"warming\"}"))
                .isEqualTo(invoked - 1);
        assertThat(metric(m, "hotvisor_invocations_by_warmth_total{" + LABELS + ",warmth=\"hot\"}")).isEqualTo(1);
        assertThat(metric(m, "hotvisor_steady_state_seconds{" + LABELS + "}"))
                .isEqualTo(hot.path("steadyStateUs").asDouble() / 1e6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(metric(m, "hotvisor_first_invocation_seconds{" + LABELS + "}"))
                .isEqualTo(hot.path("firstInvocationsUs").get(0).asDouble() / 1e6,
                        org.assertj.core.data.Offset.offset(1e-9));
        assertThat(m).doesNotContain("hotvisor_fleet_steady_state_seconds{" + LABELS + "}");

        // The list carries the warmth too, without the trajectory.
        JsonNode listed = http.get("/v1/functions").json().path("functions").get(0);
        assertThat(listed.path("warmth").path("state").asText()).isEqualTo("hot");
        assertThat(listed.path("warmth").has("firstInvocationsUs")).isFalse();

        // A replace is new code: cold again, with a trajectory of its own.
        http.deploySource("wc", "javascript", "index.handler", WORD_COUNT + "\n// v2\n", Map.of());
        JsonNode replaced = warmth();
        assertThat(replaced.path("state").asText()).isEqualTo("cold");
        assertThat(replaced.path("invocations").path("hot").asLong()).isZero();
        assertThat(replaced.path("firstInvocationsUs")).isEmpty();
        assertThat(http.invoke("wc", "{}").status()).isEqualTo(200);
        assertThat(warmth().path("state").asText()).isEqualTo("warming");
        assertThat(warmth().path("firstInvocationsUs")).hasSize(1);
    }
}
