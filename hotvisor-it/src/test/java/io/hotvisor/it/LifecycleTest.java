package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Replace under load, sandbox policies, metrics, the Graalvisor calls. */
class LifecycleTest {
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

    private static String versioned(int v) {
        return "exports.handler = async (e) => ({ version: " + v + ", n: e.n });";
    }

    @Test
    void replaces_a_function_under_load_without_failing_any_invocation() throws Exception {
        http.deploySource("flip", "javascript", "index.handler", versioned(1), Map.of("concurrency", 4));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> versions = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(6);
        for (int c = 0; c < 6; c++) {
            clients.add(Thread.ofPlatform().start(() -> {
                started.countDown();
                int n = 0;
                while (!stop.get()) {
                    Http.Response r = http.invoke("flip", "{\"n\":" + n + "}");
                    if (r.status() != 200) {
                        failures.add(r.toString());
                        continue;
                    }
                    JsonNode j = r.json();
                    if (j.path("n").asInt() != n) {
                        failures.add("wrong answer " + r);
                    }
                    versions.add(j.path("version").asInt());
                    n++;
                }
            }));
        }
        started.await();
        for (int v = 2; v <= 6; v++) {
            Thread.sleep(150);
            assertThat(http.deploySource("flip", "javascript", "index.handler", versioned(v), Map.of("concurrency", 4))
                    .json().path("version").asInt()).isEqualTo(v);
        }
        Thread.sleep(300);
        stop.set(true);
        for (Thread t : clients) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(versions).hasSizeGreaterThan(50).allMatch(v -> v >= 1 && v <= 6).contains(1, 6);
    }

    @Test
    void reuses_sandboxes_by_default_and_gives_a_new_one_per_invocation_when_fresh() {
        String counter = "let n = 0; exports.handler = async () => ({ n: ++n });";
        http.deploySource("count-reuse", "javascript", "index.handler", counter, Map.of("concurrency", 1));
        http.deploySource("count-fresh", "javascript", "index.handler", counter,
                Map.of("concurrency", 1, "sandbox", "fresh"));
        List<Integer> reuse = new ArrayList<>();
        List<Integer> fresh = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reuse.add(http.invoke("count-reuse", "{}").json().path("n").asInt());
            fresh.add(http.invoke("count-fresh", "{}").json().path("n").asInt());
        }
        assertThat(reuse).containsExactly(1, 2, 3);
        assertThat(fresh).containsExactly(1, 1, 1);
    }

    @Test
    void gives_java_a_fresh_sandbox_per_invocation_when_asked() {
        byte[] jar = Fixtures.compileJar(Fixtures.dir("java-counter"));
        http.deployArchive("jcount-reuse", "java", "counter.Counter::main", jar, Map.of("concurrency", 1));
        http.deployArchive("jcount-fresh", "java", "counter.Counter::main", jar,
                Map.of("concurrency", 1, "sandbox", "fresh"));
        List<Integer> reuse = new ArrayList<>();
        List<Integer> fresh = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reuse.add(http.invoke("jcount-reuse", "{}").json().path("n").asInt());
            fresh.add(http.invoke("jcount-fresh", "{}").json().path("n").asInt());
        }
        assertThat(reuse).containsExactly(1, 2, 3);
        assertThat(fresh).containsExactly(1, 1, 1);
    }

    @Test
    void exports_per_function_and_process_metrics_in_prometheus_text_format() {
        http.deploySource("metered", "javascript", "index.handler",
                "exports.handler = async (e) => { if (e.fail) throw new Error('no'); return 1; };", Map.of());
        for (int i = 0; i < 3; i++) {
            http.invoke("metered", "{}");
        }
        http.invoke("metered", "{\"fail\":true}");
        Http.Response r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        String m = r.body();
        assertThat(m).contains(
                "hotvisor_invocations_total{function=\"metered\",language=\"javascript\",namespace=\"default\",outcome=\"success\"} 3.0",
                "hotvisor_invocations_total{function=\"metered\",language=\"javascript\",namespace=\"default\",outcome=\"error\"} 1.0",
                "hotvisor_invocation_errors_total{class=\"function_error\",function=\"metered\",language=\"javascript\",namespace=\"default\"} 1.0",
                "hotvisor_invocation_duration_seconds_bucket{function=\"metered\",language=\"javascript\",namespace=\"default\",le=\"+Inf\"} 4",
                "hotvisor_sandbox_creation_seconds_count{function=\"metered\",language=\"javascript\",namespace=\"default\"}",
                "hotvisor_queue_depth{function=\"metered\",language=\"javascript\",namespace=\"default\"} 0.0",
                "hotvisor_live_sandboxes{function=\"metered\",language=\"javascript\",namespace=\"default\"} 1.0",
                "jvm_memory_used_bytes{area=\"heap\"}",
                "process_resident_memory_bytes");
    }

    @Test
    void accepts_graalvisor_registration_and_invocation_calls() {
        Http.Response reg = http.send("POST", "/register?name=gv&entryPoint=main&language=javascript",
                "function main(args) { return { sum: args.a + args.b }; }");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(200);
        Http.Response r = http.post("/", "{\"name\":\"gv\",\"arguments\":\"{\\\"a\\\":2,\\\"b\\\":3}\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode result = r.json();
        assertThat(result.path("result").asText()).isEqualTo("{\"sum\":5}");
        assertThat(result.has("process time")).isTrue();
        Http.Response async = http.post("/", "{\"name\":\"gv\",\"arguments\":\"{}\",\"async\":\"true\"}");
        assertThat(async.status()).isEqualTo(200);
        assertThat(async.body()).contains("Asynchronous request submitted");
        Http.Response missing = http.send("POST", "/register?name=gv2&language=javascript", "function main(){}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().path("error").path("message").asText()).contains("'entryPoint'");
    }

    @Test
    void answers_healthz() {
        Http.Response r = http.get("/healthz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void says_it_is_ready_and_what_it_runs() {
        Http.Response ready = http.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("ready").asBoolean()).isTrue();
        Http.Response node = http.get("/v1/node");
        assertThat(node.status()).isEqualTo(200);
        assertThat(node.json().path("ready").asBoolean()).isTrue();
        assertThat(node.json().path("truffle").path("runtime").asText()).isEqualTo("GraalVM CE");
        assertThat(node.json().path("cluster").path("member").asBoolean()).isFalse();
    }
}
