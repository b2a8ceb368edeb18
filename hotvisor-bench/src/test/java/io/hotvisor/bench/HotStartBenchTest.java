package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HotStartBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void the_steady_state_waits_for_a_calm_window_and_says_when_none_came() {
        java.util.Iterator<Double> busy = List.of(1.9, 1.2, 0.41, 0.4, 0.1).iterator();
        AtomicInteger measured = new AtomicInteger();

        HotStartBench.Calm calm = HotStartBench.awaitCalm(() -> {
            measured.incrementAndGet();
            return busy.next();
        }, 60);

        assertThat(calm).isEqualTo(new HotStartBench.Calm(4 * HotStartBench.CALM_WINDOW_MS, true));
        assertThat(measured).hasValue(4); // no window after the calm one
        assertThat(HotStartBench.awaitCalm(() -> 1.5, 3))
                .isEqualTo(new HotStartBench.Calm(3 * HotStartBench.CALM_WINDOW_MS, false));
    }

    @Test
    void sets_the_first_call_against_node_1s_mixed_calls_in_duration_and_cpu_time() {
        Map<String, Long> references = Map.of("steady_cpu_us", 2000L, "steady_mixed_us", 5000L,
                "steady_mixed_cpu_us", 2500L);
        List<HotStartBench.Call> calls = List.of(new HotStartBench.Call(9000, 3000, 12000, "node-4", "warming"),
                new HotStartBench.Call(5000, 2400, 6000, "node-4", "hot"),
                new HotStartBench.Call(6000, 2600, 7000, "node-4", "hot"));

        Map<String, Object> m = HotStartBench.againstMixed(references, calls);

        assertThat(m).containsEntry("steady_mixed_us", 5000L).containsEntry("first_ratio_mixed", 1.8)
                .containsEntry("first_cpu_us", 3000L).containsEntry("first_cpu_ratio_mixed", 1.2)
                .containsEntry("first_cpu_ratio_b2b", 1.5).containsEntry("median_ratio_mixed", 1.2);
        // No CPU time sent (a node before X-Hotvisor-Cpu-Us), or no call at all (a gateway that sent node 4 none).
        Map<String, Object> noCpu = HotStartBench.againstMixed(references,
                List.of(new HotStartBench.Call(9000, -1, 12000, "node-4", "warming")));
        assertThat(noCpu).containsEntry("first_ratio_mixed", 1.8).containsEntry("first_cpu_ratio_mixed", "n/a");
        assertThat(HotStartBench.againstMixed(references, List.of())).containsEntry("first_ratio_mixed", "n/a")
                .containsEntry("median_ratio_mixed", "n/a");
        assertThat(HotStartBench.median(new long[] {5, 1, 3, 2})).isEqualTo(2);
        assertThat(HotStartBench.median(new long[] {5, -1, 3})).isEqualTo(-1);
    }

    @Test
    void the_warm_up_column_says_what_the_replays_did_and_what_the_recheck_did() throws Exception {
        assertThat(HotStartBench.warmUpSummary(MissingNode.getInstance())).isEqualTo("none");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot"}""")))
                .isEqualTo("hot 69 replays 1748 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"replays": 16, "ms": 761, "outcome": "max_replays"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check max_replays 16 replays 761 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"rounds": 1, "replays": 10, "ms": 95, "outcome": "hot"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check hot 10 replays 95 ms");
        assertThat(HotStartBench.warmUpSummary(JSON.readTree("""
                {"policy": "before", "replays": 69, "ms": 1748, "outcome": "hot",
                 "recheck": {"rounds": 2, "replays": 27, "ms": 1250, "outcome": "hot"}}""")))
                .isEqualTo("hot 69 replays 1748 ms; re-check hot 27 replays in 2 rounds 1250 ms");
    }

    @Test
    void the_first_calls_and_the_last_replay_are_read_from_node_4s_status() throws Exception {
        assertThat(HotStartBench.firstCpuUs(JSON.readTree("""
                {"firstInvocationsUs": [3100.4, 2900.6, 2800, 2700, 2600, 2500]}"""), 5))
                .isEqualTo("3100;2901;2800;2700;2600");
        assertThat(HotStartBench.firstCpuUs(JSON.readTree("{\"firstInvocationsUs\": [812.2]}"), 5)).isEqualTo("812");
        assertThat(HotStartBench.firstCpuUs(MissingNode.getInstance(), 5)).isEmpty();

        assertThat(HotStartBench.lastReplayUs(MissingNode.getInstance())).isEqualTo("n/a");
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 0, "lastReplayUs": 0, "outcome": "none"}"""))).isEqualTo("n/a");
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 69, "lastReplayUs": 1210.7, "outcome": "hot"}"""))).isEqualTo(1211L);
        assertThat(HotStartBench.lastReplayUs(JSON.readTree("""
                {"replays": 69, "lastReplayUs": 1210.7, "outcome": "hot",
                 "recheck": {"rounds": 1, "replays": 10, "lastReplayUs": 990.2, "outcome": "hot"}}""")))
                .as("the re-check's replays came last").isEqualTo(990L);
    }

    @Test
    void node_4_takes_its_first_call_only_once_its_readyz_says_200(@TempDir Path dir) throws Exception {
        // /readyz answers 503 (the re-check still running) three times, then 200, as a joining node does.
        AtomicInteger asked = new AtomicInteger();
        HttpServer readyz = readyz(n -> n <= 3 ? 503 : 200, asked);
        try (ServerProcess node = node(dir, readyz)) {
            HotStartBench.awaitReadyz(node, Duration.ofSeconds(30));
            assertThat(asked.get()).as("returned at the first 200, not before").isEqualTo(4);
        } finally {
            readyz.stop(0);
        }
    }

    @Test
    void a_node_that_never_gets_ready_fails_the_run_with_its_last_answer_and_its_log(@TempDir Path dir)
            throws Exception {
        HttpServer readyz = readyz(n -> 503, new AtomicInteger());
        try (ServerProcess node = node(dir, readyz)) {
            assertThatThrownBy(() -> HotStartBench.awaitReadyz(node, Duration.ofMillis(300)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("node-4 at http://127.0.0.1:" + readyz.getAddress().getPort())
                    .hasMessageContaining("was not ready within 300 ms")
                    .hasMessageContaining("503 {\"ready\": false, \"reason\": \"re-checking 2 warmed functions\"}")
                    .hasMessageContaining("what node-4 logged");
        } finally {
            readyz.stop(0);
        }
    }

    /** A server whose {@code /readyz} answers the status {@code status} gives for the n-th request (from 1). */
    private static HttpServer readyz(java.util.function.IntUnaryOperator status, AtomicInteger asked)
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/readyz", ex -> {
            int code = status.applyAsInt(asked.incrementAndGet());
            byte[] body = (code == 200 ? "{\"ready\": true}"
                    : "{\"ready\": false, \"reason\": \"re-checking 2 warmed functions\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    /** A "node-4" process that writes {@code server}'s port as its port file, logs a line and sleeps. */
    private static ServerProcess node(Path dir, HttpServer server) throws Exception {
        return ServerProcess.start("node-4", List.of("sh", "-c", "echo 'what node-4 logged'; echo "
                + server.getAddress().getPort() + " > \"$4\"; sleep 60", "sh"), Map.of(), dir, "key");
    }
}
